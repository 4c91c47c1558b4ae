from resilint.cli import main

raise SystemExit(main())
