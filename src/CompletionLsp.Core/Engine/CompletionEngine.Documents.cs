using CompletionLsp.Core.Models;
using CompletionLsp.Core.Syntax;

namespace CompletionLsp.Core.Engine;

// Documents, kept current by edits, and the recent-files cache (part of the engine; see CompletionEngine.cs).
public sealed partial class CompletionEngine
{
    public void Open(string uri, string text, int version)
    {
        lock (_gate)
        {
            if (_docs.Remove(uri, out var old)) old.Release();
            var d = new DocumentState(text.Length > Options.MaxDocumentChars ? "" : text, _model.Vocabulary, _model.Cache.Order) { Version = version };
            if (text.Length > Options.MaxDocumentChars) d.MarkUnusable(TooLarge(text.Length));
            _docs[uri] = d;
            // The semantic model gets the text too (not a document over the size limit: it gets no completions).
            _noSemantic.Remove(uri);
            if (text.Length <= Options.MaxDocumentChars) ForwardText(uri, text); else Semantic?.Close(uri);
            Touch(uri);
            if (!_model.IsTrained) _workspaceModelStale = true;
            _model.Vocabulary.Sweep();
        }
    }

    public void Close(string uri)
    {
        lock (_gate)
        {
            if (!_docs.ContainsKey(uri)) throw new UnknownDocumentException(uri);
            // A closed file stays among the recent files with its last text.
            if (_active == uri) { Retire(uri); _active = null; }
            _docs[uri].Release();
            _docs.Remove(uri);
            Semantic?.Close(uri);
            _noSemantic.Remove(uri);
            if (!_model.IsTrained)
            {
                _workspaceModelStale = true;
                // The last document gone: drop the model built from the documents now, not at the next query.
                if (_docs.Count == 0) EnsureModel();
            }
            _model.Vocabulary.Sweep();
        }
    }

    public void Saved(string uri)
    {
        lock (_gate)
        {
            if (!_docs.ContainsKey(uri)) throw new UnknownDocumentException(uri);
            if (!_model.IsTrained) _workspaceModelStale = true;
        }
    }

    /// <summary>Applies an edit given in UTF-16 offsets of the current text. A document without a usable text (see
    /// <see cref="UnusableReason"/>) ignores edits: only a whole new text brings it back.</summary>
    public void Change(string uri, int start, int oldLength, string newText, int version)
    {
        lock (_gate)
        {
            var d = Get(uri);
            d.Version = version;
            if (d.Unusable != null) return;
            long length = (long)d.Text.Length - oldLength + newText.Length;
            if (length > Options.MaxDocumentChars) { d.MarkUnusable(TooLarge(length)); _model.Vocabulary.Sweep(); return; }
            d.Replace(start, oldLength, newText);
            ForwardChange(uri, d.Text, start, oldLength, newText);
            Touch(uri);
            _model.Vocabulary.Sweep();
        }
    }

    public void SetText(string uri, string text, int version)
    {
        lock (_gate)
        {
            var d = Get(uri);
            d.Version = version;
            if (text.Length > Options.MaxDocumentChars) { d.MarkUnusable(TooLarge(text.Length)); _model.Vocabulary.Sweep(); return; }
            d.SetText(text);
            ForwardText(uri, text);
            Touch(uri);
            _model.Vocabulary.Sweep();
        }
    }

    /// <summary>Stops completions for a document whose text can no longer be trusted (an edit that could not be
    /// applied), until the editor sends its whole text again (<see cref="SetText"/> or <see cref="Open"/>).</summary>
    public void MarkUnusable(string uri, string reason)
    {
        lock (_gate)
        {
            Get(uri).MarkUnusable(reason);
            _model.Vocabulary.Sweep();
        }
    }

    /// <summary>Why a document gets no completions (too large, out of step with the editor), or null.</summary>
    public string? UnusableReason(string uri) { lock (_gate) return Get(uri).Unusable; }

    private string TooLarge(long length) =>
        $"the document is too large for completions ({length / 1024:N0} Ki characters; the limit is {Options.MaxDocumentChars / 1024:N0} Ki)";

    public string GetText(string uri) { lock (_gate) return Get(uri).Text; }
    public int GetVersion(string uri) { lock (_gate) return Get(uri).Version; }
    public bool IsOpen(string uri) { lock (_gate) return _docs.ContainsKey(uri); }

    /// <summary>Runs <paramref name="read"/> on a document under the engine's lock (for position conversions).</summary>
    public T Read<T>(string uri, Func<DocumentState, T> read) { lock (_gate) return read(Get(uri)); }

    private DocumentState Get(string uri) => _docs.TryGetValue(uri, out var d) ? d : throw new UnknownDocumentException(uri);

    private void Touch(string uri)
    {
        if (_active == uri) return;
        if (_active != null && _docs.ContainsKey(_active)) Retire(_active);
        // The active document is counted by its own cache, not among the recent files.
        RemoveRecent(_recent.FindIndex(r => r.Uri == uri));
        _active = uri;
    }

    private void Retire(string uri)
    {
        RemoveRecent(_recent.FindIndex(r => r.Uri == uri));
        var d = Get(uri);
        // A very large file is not kept among the recent files: its text and ids would outlive it by far.
        if (d.Text.Length > MaxRecentFileChars) return;
        var ids = d.Ids.ToArray();
        _recent.Add((uri, d.Text, ids));
        _recentCache.Update(ids, 1, ids.Length, +1);
        _model.Vocabulary.Retain(ids, +1);
        while (_recent.Count > Math.Max(0, Options.RecentFiles)) RemoveRecent(0);
    }

    /// <summary>Files longer than this (UTF-16 units) are not kept among the recent files when they are left.</summary>
    public const int MaxRecentFileChars = 1 << 20;

    private void RemoveRecent(int i)
    {
        if (i < 0) return;
        var ids = _recent[i].Ids;
        _recentCache.Update(ids, 1, ids.Length, -1);
        _model.Vocabulary.Retain(ids, -1);
        _recent.RemoveAt(i);
    }

    private int[] MapText(string text)
    {
        var toks = CSharpLexer.Lex(text);
        var ids = new int[toks.Count + 1];
        ids[0] = Vocabulary.Bos;
        for (int i = 0; i < toks.Count; i++) ids[i + 1] = _model.Vocabulary.MapOrAdd(toks[i]);
        return ids;
    }
}
