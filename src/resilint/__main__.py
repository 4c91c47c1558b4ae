from resilint.cli.main import main

raise SystemExit(main())
