-- Neovim as a real LSP client for resilint (run by tests/test_neovim.py).
-- Opens $RESILINT_TARGET, attaches `$RESILINT_CMD lsp`, and records the
-- diagnostics Neovim received after each step into $RESILINT_OUT as JSON:
-- open -> edit that fixes the call -> edit that marks the file AI-assisted and
-- breaks it again. Written for Neovim >= 0.7 (Debian bookworm's version).
local out = {}
local function record(step, bufnr)
  local items = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    local lsp = (d.user_data or {}).lsp or {}
    table.insert(items, {
      lnum = d.lnum, col = d.col, end_lnum = d.end_lnum, end_col = d.end_col,
      severity = d.severity, message = d.message, source = d.source,
      code = d.code or lsp.code,
      href = (lsp.codeDescription or {}).href,
    })
  end
  table.insert(out, { step = step, diagnostics = items })
end

local function run()
  local target = vim.env.RESILINT_TARGET
  vim.cmd("edit " .. vim.fn.fnameescape(target))
  local bufnr = vim.api.nvim_get_current_buf()
  local client_id = vim.lsp.start_client({
    name = "resilint",
    cmd = { vim.env.RESILINT_CMD, "lsp" },
    root_dir = vim.fn.fnamemodify(target, ":p:h"),
  })
  assert(client_id, "could not start resilint lsp")
  assert(vim.lsp.buf_attach_client(bufnr, client_id), "could not attach")
  local timeout = 60000

  local function wait_for(predicate)
    return vim.wait(timeout, function() return predicate(#vim.diagnostic.get(bufnr)) end, 50)
  end

  assert(wait_for(function(n) return n > 0 end), "no diagnostics after open")
  record("open", bufnr)

  -- edit like a user: replace the call's line (an incremental didChange)
  local lines = vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)
  for i, line in ipairs(lines) do
    if line:find("requests.get%(url%)") then
      vim.api.nvim_buf_set_lines(bufnr, i - 1, i, false, { (line:gsub("requests.get%(url%)", "requests.get(url, timeout=10)")) })
    end
  end
  assert(wait_for(function(n) return n == 0 end), "diagnostics not cleared after the fix")
  record("fixed", bufnr)

  vim.api.nvim_buf_set_lines(bufnr, 0, 0, false, { "# resilint: ai-assisted" })
  vim.api.nvim_buf_set_lines(bufnr, -1, -1, false, { "requests.post(url)" })
  assert(wait_for(function(n) return n > 0 end), "no diagnostics after the second edit")
  record("ai", bufnr)

  vim.lsp.stop_client(client_id)
  vim.wait(5000, function() return vim.lsp.get_client_by_id(client_id) == nil end, 50)
end

local ok, err = pcall(run)
if not ok then table.insert(out, { error = tostring(err) }) end
local file = io.open(vim.env.RESILINT_OUT, "w")
file:write(vim.fn.json_encode(out))
file:close()
vim.cmd("qa!")
