-- End-to-end test of `completion-lsp serve` with Neovim's built-in LSP client, through the same
-- configuration users load (editors/neovim/lua/completion_lsp). Runs headless:
--
--   CLSP_DLL=.../completion-lsp.dll CLSP_MODEL=model CLSP_WORKSPACE=dir CLSP_REPO=repo-root \
--     nvim --headless -u NONE -i NONE -n -c 'luafile tests/e2e/nvim/e2e.lua'
--
-- Prints "N passed, M failed" (to stdout and $CLSP_RESULT if set) and exits non-zero on any failure.
local dll, model, workspace, repo = os.getenv('CLSP_DLL'), os.getenv('CLSP_MODEL'), os.getenv('CLSP_WORKSPACE'), os.getenv('CLSP_REPO')
local out = {}
local function say(s)
  table.insert(out, s)
  io.stdout:write(s .. '\n')
end

local passed, failed = 0, 0
local function check(name, fn)
  local ok, err = pcall(fn)
  if ok then
    passed = passed + 1
    say('ok   ' .. name)
  else
    failed = failed + 1
    say('FAIL ' .. name .. ': ' .. tostring(err))
  end
end

local function finish()
  say(string.format('%d passed, %d failed', passed, failed))
  local result = os.getenv('CLSP_RESULT')
  if result then
    local f = io.open(result, 'w')
    f:write(table.concat(out, '\n') .. '\n')
    f:close()
  end
  vim.cmd(failed == 0 and 'qall!' or 'cquit! 1')
end

if not (dll and model and workspace and repo) then
  say('set CLSP_DLL, CLSP_MODEL, CLSP_WORKSPACE and CLSP_REPO')
  failed = 1
  return finish()
end

vim.opt.runtimepath:prepend(repo .. '/editors/neovim')
vim.cmd('filetype on')
local clsp = require('completion_lsp')
clsp.setup({ cmd = { 'dotnet', dll, 'serve' }, model = model, settings = { completionLsp = { maxItems = 15 } } })

local file = workspace .. '/E2e.cs'
local f = io.open(file, 'w')
f:write('using System;\nclass P\n{\n    static void Main()\n    {\n        Console.Error.WriteL\n    }\n}\n')
f:close()
vim.cmd('edit ' .. file)
local bufnr = vim.api.nvim_get_current_buf()
local caret = { line = 5, character = #'        Console.Error.WriteL' }

check('the config attaches the server to a C# buffer and the model loads', function()
  assert(vim.bo[bufnr].filetype == 'cs', 'filetype ' .. vim.bo[bufnr].filetype)
  local ok = vim.wait(30000, function()
    for _, s in pairs(clsp.status) do
      if s.state == 'loaded' then return true end
    end
    return false
  end, 50)
  assert(ok, 'no completionLsp/status "loaded": ' .. vim.inspect(clsp.status))
  local client = vim.lsp.buf_get_clients(bufnr)
  assert(next(client) ~= nil, 'no client attached')
  assert(vim.bo[bufnr].omnifunc == 'v:lua.vim.lsp.omnifunc')
end)

check('completion ranks WriteLine first with a textEdit over the prefix', function()
  local result, err = clsp.complete(bufnr, caret)
  assert(result, err)
  assert(result.isIncomplete == true)
  assert(#result.items > 0 and #result.items <= 15, 'items: ' .. #result.items)
  local top = result.items[1]
  assert(top.label == 'WriteLine', 'top: ' .. top.label)
  assert(top.textEdit.range.start.character == caret.character - #'WriteL')
  assert(top.textEdit.range['end'].character == caret.character)
end)

check('buf_request_sync reaches the server too', function()
  local responses = vim.lsp.buf_request_sync(bufnr, 'textDocument/completion',
    { textDocument = { uri = vim.uri_from_bufnr(bufnr) }, position = caret }, 10000)
  local got = false
  for _, r in pairs(responses or {}) do
    if r.result and #r.result.items > 0 then got = true end
  end
  assert(got, vim.inspect(responses))
end)

check("the items become Vim completion-menu entries as omnifunc makes them", function()
  local result = assert(clsp.complete(bufnr, caret))
  local matches = vim.lsp.util.text_document_completion_list_to_complete_items(result, 'WriteL')
  assert(#matches > 0)
  assert(matches[1].word == 'WriteLine', vim.inspect(matches[1]))
  assert(matches[1].kind == 'Method', matches[1].kind)
  assert(matches[1].menu:match('%%'), matches[1].menu)
end)

check('inline completion suggests the rest of the line', function()
  local result, err = clsp.inline(bufnr, caret, 1)
  assert(result, err)
  assert(#result.items >= 1 and #result.items <= 3, vim.inspect(result))
  for _, item in ipairs(result.items) do
    assert(vim.startswith(item.insertText, 'WriteL'), item.insertText)
    assert(item.range.start.line == 5 and item.range['end'].line == 5)
  end
end)

check('buffer edits reach the server as incremental changes', function()
  vim.api.nvim_buf_set_text(bufnr, 5, caret.character, 5, caret.character, { 'ine(' })
  local after = { line = 5, character = caret.character + 4 }
  local result, err = clsp.complete(bufnr, after)
  assert(result, err)
  assert(#result.items > 0)
  local r = result.items[1].textEdit.range
  assert(r.start.character == after.character and r['end'].character == after.character, vim.inspect(r))
  -- A second line and a completion on it: the server saw both edits in order.
  vim.api.nvim_buf_set_lines(bufnr, 6, 6, false, { '        Console.Error.WriteL' })
  local second, err2 = clsp.complete(bufnr, { line = 6, character = caret.character })
  assert(second, err2)
  assert(second.items[1].label == 'WriteLine', vim.inspect(second.items[1]))
end)

check('suggest shows virtual text and accept inserts it', function()
  vim.api.nvim_win_set_cursor(0, { 7, caret.character })
  clsp.suggest()
  local marks = vim.api.nvim_buf_get_extmarks(bufnr, vim.api.nvim_create_namespace('completion_lsp_inline'), 0, -1, { details = true })
  assert(#marks == 1, 'extmarks: ' .. vim.inspect(marks))
  clsp.accept()
  local line = vim.api.nvim_buf_get_lines(bufnr, 6, 7, false)[1]
  assert(vim.startswith(line, '        Console.Error.WriteLine'), line)
end)

check('accept_word inserts the suggestion a word at a time and keeps the rest shown', function()
  local before = '        Console.Error.'
  vim.api.nvim_buf_set_lines(bufnr, 7, 7, false, { before })
  -- The caret after the dot (in insert mode it would be; the headless editor is in normal mode).
  clsp.suggest({ line = 7, character = #before })
  local nsid = vim.api.nvim_create_namespace('completion_lsp_inline')
  local marks = vim.api.nvim_buf_get_extmarks(bufnr, nsid, 0, -1, { details = true })
  assert(#marks == 1, 'no suggestion after ' .. before)
  local full = marks[1][4].virt_text[1][1]
  local word = clsp.next_word(full)
  assert(#word > 0 and vim.startswith(full, word), vim.inspect({ full = full, word = word }))
  assert(#word < #full, 'a one-word suggestion shows no partial acceptance: ' .. full)
  clsp.accept_word()
  local line = vim.api.nvim_buf_get_lines(bufnr, 7, 8, false)[1]
  assert(line == before .. word, vim.inspect({ line = line, expected = before .. word }))
  marks = vim.api.nvim_buf_get_extmarks(bufnr, nsid, 0, -1, { details = true })
  if #word < #full then
    assert(#marks == 1 and marks[1][4].virt_text[1][1] == full:sub(#word + 1), 'the rest is not shown: ' .. vim.inspect(marks))
    clsp.accept()
  end
  line = vim.api.nvim_buf_get_lines(bufnr, 7, 8, false)[1]
  assert(line == before .. full, vim.inspect({ line = line, expected = before .. full }))
  assert(#vim.api.nvim_buf_get_extmarks(bufnr, nsid, 0, -1, {}) == 0, 'virtual text left after accepting all of it')
end)

check('modelInfo through the config', function()
  local info = clsp.model_info(bufnr)
  assert(info and info.loaded == true, vim.inspect(info))
end)

check('stopping the client shuts the server down cleanly', function()
  local client = vim.lsp.buf_get_clients(bufnr)
  local id = next(client)
  vim.lsp.stop_client(id)
  assert(vim.wait(15000, function() return vim.lsp.client_is_stopped(id) end, 50), 'client did not stop')
end)

finish()
