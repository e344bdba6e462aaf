-- completion-lsp for Neovim's built-in LSP client (Neovim 0.7 or newer).
--
--   require('completion_lsp').setup({
--     cmd = { 'completion-lsp', 'serve' },          -- or { 'dotnet', '/path/to/completion-lsp.dll', 'serve' }
--     model = nil,                                   -- a model file (else <root>/.completion-lsp/model)
--     settings = { completionLsp = { maxItems = 20 } },
--   })
--
-- Completions come through 'omnifunc' (<C-x><C-o>) or any completion plugin that reads LSP sources.
-- Line suggestions (textDocument/inlineCompletion) show as virtual text with :CompletionLspSuggest
-- and are inserted with :CompletionLspAccept. :CompletionLspTrain trains a model on the workspace,
-- :CompletionLspInfo shows the model in use. See README.md next to this folder.
-- Only APIs present in Neovim 0.7 are used (vim.lsp.start_client, buf_attach_client, buf_request_sync).

local M = {}

M.defaults = {
  cmd = { 'completion-lsp', 'serve' },
  filetypes = { 'cs' },
  root_markers = { '.completion-lsp', '.git', '.sln' },
  model = nil,
  settings = { completionLsp = {} },
  omnifunc = true,
  timeout_ms = 2000,
}

M.config = vim.deepcopy(M.defaults)
-- The last completionLsp/status per client id: { state = 'none'|'loaded'|'training'|'error', modelPath, message }.
M.status = {}
local clients_by_root = {}
local ns = vim.api.nvim_create_namespace('completion_lsp_inline')
local pending_inline = nil

local function exists(path)
  return vim.loop.fs_stat(path) ~= nil
end

--- The folder above `path` holding one of the root markers (a '.sln' marker matches any *.sln file).
function M.find_root(path)
  local dir = vim.fn.fnamemodify(path, ':p:h')
  while dir and dir ~= '' do
    for _, marker in ipairs(M.config.root_markers) do
      if marker == '.sln' then
        if #vim.fn.glob(dir .. '/*.sln', true, true) > 0 then return dir end
      elseif exists(dir .. '/' .. marker) then
        return dir
      end
    end
    local parent = vim.fn.fnamemodify(dir, ':h')
    if parent == dir then break end
    dir = parent
  end
  return vim.fn.fnamemodify(path, ':p:h')
end

local handlers = {
  ['completionLsp/status'] = function(_, result, ctx)
    M.status[ctx.client_id] = result
    if result.state == 'error' then
      vim.notify('completion-lsp: ' .. (result.message or 'model error'), vim.log.levels.WARN)
    end
  end,
  -- Never block on a prompt: show the message and point at the command instead.
  ['window/showMessageRequest'] = function(_, result)
    vim.notify('completion-lsp: ' .. result.message .. ' (:CompletionLspTrain trains one)', vim.log.levels.WARN)
    return vim.NIL
  end,
  ['$/progress'] = function(_, result)
    local v = result.value or {}
    if v.kind == 'end' then
      vim.notify('completion-lsp: ' .. (v.message or 'done'))
    end
  end,
}

--- Starts (or reuses) the server for `root`; returns the client id.
function M.start(root)
  local id = clients_by_root[root]
  if id and not vim.lsp.client_is_stopped(id) then return id end
  local cmd = vim.deepcopy(M.config.cmd)
  if M.config.model then
    table.insert(cmd, '--model')
    table.insert(cmd, vim.fn.fnamemodify(M.config.model, ':p'))
  end
  local root_uri = vim.uri_from_fname(root)
  id = vim.lsp.start_client({
    name = 'completion-lsp',
    cmd = cmd,
    root_dir = root,
    workspace_folders = { { uri = root_uri, name = vim.fn.fnamemodify(root, ':t') } },
    init_options = M.config.settings,
    settings = M.config.settings,
    handlers = handlers,
    on_init = function(client)
      client.notify('workspace/didChangeConfiguration', { settings = M.config.settings })
    end,
    on_exit = function(_, _, client_id)
      M.status[client_id] = nil
      for r, cid in pairs(clients_by_root) do
        if cid == client_id then clients_by_root[r] = nil end
      end
    end,
  })
  clients_by_root[root] = id
  return id
end

--- Attaches the server to a buffer (started for the buffer's root).
function M.attach(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  local name = vim.api.nvim_buf_get_name(bufnr)
  if name == '' then return nil end
  local id = M.start(M.find_root(name))
  if id then
    vim.lsp.buf_attach_client(bufnr, id)
    if M.config.omnifunc then
      vim.api.nvim_buf_set_option(bufnr, 'omnifunc', 'v:lua.vim.lsp.omnifunc')
    end
  end
  return id
end

local function client_for(bufnr)
  for _, client in pairs(vim.lsp.buf_get_clients(bufnr)) do
    if client.name == 'completion-lsp' then return client end
  end
  return nil
end

local function cursor_position(bufnr)
  local row, col = unpack(vim.api.nvim_win_get_cursor(0))
  local line = vim.api.nvim_buf_get_lines(bufnr, row - 1, row, false)[1] or ''
  -- LSP characters are UTF-16 code units; the cursor column is a byte index.
  local _, utf16 = vim.str_utfindex(line, col)
  return { line = row - 1, character = utf16 }
end

--- Ranked completion items at a position (default: the cursor), synchronously.
function M.complete(bufnr, position)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  local client = client_for(bufnr)
  if not client then return nil, 'completion-lsp is not attached to this buffer' end
  local params = { textDocument = { uri = vim.uri_from_bufnr(bufnr) }, position = position or cursor_position(bufnr) }
  local response, err = client.request_sync('textDocument/completion', params, M.config.timeout_ms, bufnr)
  if not response then return nil, err end
  if response.err then return nil, response.err.message end
  return response.result
end

--- Line suggestions (textDocument/inlineCompletion) at a position, synchronously.
--- trigger: 1 = invoked (several suggestions), 2 = automatic (at most one).
function M.inline(bufnr, position, trigger)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  local client = client_for(bufnr)
  if not client then return nil, 'completion-lsp is not attached to this buffer' end
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    position = position or cursor_position(bufnr),
    context = { triggerKind = trigger or 1 },
  }
  local response, err = client.request_sync('textDocument/inlineCompletion', params, M.config.timeout_ms, bufnr)
  if not response then return nil, err end
  if response.err then return nil, response.err.message end
  return response.result
end

--- Shows the best line suggestion at the cursor (or at `position`, 0-based LSP line and character) as virtual text.
function M.suggest(position)
  local bufnr = vim.api.nvim_get_current_buf()
  vim.api.nvim_buf_clear_namespace(bufnr, ns, 0, -1)
  pending_inline = nil
  local result = M.inline(bufnr, position, 1)
  local item = result and result.items and result.items[1]
  if not item then return end
  local row = item.range.start.line
  local line = vim.api.nvim_buf_get_lines(bufnr, row, row + 1, false)[1] or ''
  local from = vim.str_byteindex(line, item.range.start.character, true)
  local to = vim.str_byteindex(line, item.range['end'].character, true)
  local typed = line:sub(from + 1, to)
  -- What is not in the buffer yet, and where it goes (a byte column): accept_word takes it a word at a time.
  pending_inline = { bufnr = bufnr, row = row, col = to, rest = item.insertText:sub(#typed + 1) }
  M.show_pending()
end

--- Draws the part of the suggestion not yet accepted.
function M.show_pending()
  local p = pending_inline
  if not p then return end
  vim.api.nvim_buf_clear_namespace(p.bufnr, ns, 0, -1)
  if p.rest == '' then pending_inline = nil return end
  vim.api.nvim_buf_set_extmark(p.bufnr, ns, p.row, 0, { virt_text = { { p.rest, 'Comment' } }, virt_text_pos = 'eol' })
end

--- The next word of a suggestion, as VS Code's "accept next word" takes it: spaces, then a run of word characters or
--- else one run of other characters.
function M.next_word(rest)
  return rest:match('^%s*[%w_]+') or rest:match('^%s*[^%w_%s]+') or rest
end

--- Inserts `n` bytes of the pending suggestion at its place and keeps the rest shown.
local function accept_part(text)
  local p = pending_inline
  vim.api.nvim_buf_set_text(p.bufnr, p.row, p.col, p.row, p.col, { text })
  p.col = p.col + #text
  p.rest = p.rest:sub(#text + 1)
  if vim.api.nvim_get_current_buf() == p.bufnr then pcall(vim.api.nvim_win_set_cursor, 0, { p.row + 1, p.col }) end
  M.show_pending()
end

--- Inserts the next word of the suggestion shown by M.suggest(); the rest stays shown.
function M.accept_word()
  if not pending_inline then return end
  accept_part(M.next_word(pending_inline.rest))
end

--- Inserts the whole suggestion shown by M.suggest() (what is left of it).
function M.accept()
  if not pending_inline then return end
  accept_part(pending_inline.rest)
end

--- Trains a model on the workspace (or `root`) in the background.
function M.train(root)
  local bufnr = vim.api.nvim_get_current_buf()
  local client = client_for(bufnr)
  if not client then return vim.notify('completion-lsp is not attached to this buffer', vim.log.levels.WARN) end
  local args = root and { { root = root } } or nil
  client.request('workspace/executeCommand', { command = 'completionLsp.train', arguments = args }, function(err, result)
    if err then
      vim.notify('completion-lsp: training failed: ' .. err.message, vim.log.levels.ERROR)
    else
      vim.notify(string.format('completion-lsp: trained %s (%d files, %d tokens, %.1f s)', result.modelPath, result.files, result.tokens, result.seconds))
    end
  end, bufnr)
end

--- The model in use (completionLsp.modelInfo), synchronously.
function M.model_info(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  local client = client_for(bufnr)
  if not client then return nil end
  local response = client.request_sync('workspace/executeCommand', { command = 'completionLsp.modelInfo' }, M.config.timeout_ms, bufnr)
  return response and response.result
end

function M.setup(opts)
  M.config = vim.tbl_deep_extend('force', vim.deepcopy(M.defaults), opts or {})
  local group = vim.api.nvim_create_augroup('completion_lsp', { clear = true })
  vim.api.nvim_create_autocmd('FileType', {
    group = group,
    pattern = M.config.filetypes,
    callback = function(args) M.attach(args.buf) end,
  })
  vim.api.nvim_create_user_command('CompletionLspTrain', function(c) M.train(c.args ~= '' and c.args or nil) end, { nargs = '?', complete = 'dir' })
  vim.api.nvim_create_user_command('CompletionLspInfo', function() print(vim.inspect(M.model_info(0))) end, {})
  vim.api.nvim_create_user_command('CompletionLspSuggest', function() M.suggest() end, {})
  vim.api.nvim_create_user_command('CompletionLspAccept', M.accept, {})
  vim.api.nvim_create_user_command('CompletionLspAcceptWord', M.accept_word, {})
end

return M
