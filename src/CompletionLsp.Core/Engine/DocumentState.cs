using CompletionLsp.Core.Models;
using CompletionLsp.Core.Syntax;

namespace CompletionLsp.Core.Engine;

/// <summary>What surrounds the caret: the tokens before it, the word typed so far, and whether completion applies.</summary>
public readonly record struct CaretContext(
    int TokensBefore,      // number of document tokens that end before the typed prefix
    string Prefix,         // identifier/keyword characters typed so far ("" at a token boundary)
    int ReplaceStart,      // offset where the prefix starts (== caret when the prefix is empty)
    int ReplaceEnd,        // end of the word under the caret (to replace the whole word)
    bool Suppressed,       // inside a comment or a literal
    string? SuppressReason);

/// <summary>
/// The editor's view of one document: its text, its tokens and their vocabulary ids, and the cache counts of its
/// n-grams, all kept current by incremental edits. An edit re-lexes only from the token before the edit until the
/// new token stream meets the old one again, and updates the cache only for n-grams that touch changed tokens.
/// </summary>
public sealed class DocumentState
{
    private readonly List<LexToken> _tokens = new();
    private readonly List<int> _ids = new(); // _ids[0] = <s>, _ids[i + 1] = id of _tokens[i]
    private int[] _directives = []; // start offsets of the preprocessor directive lines
    private Vocabulary _vocab;

    public DocumentState(string text, Vocabulary vocab, int cacheOrder)
    {
        _vocab = vocab;
        Cache = new NGramCache(cacheOrder);
        Text = text;
        Relex();
    }

    private string _text = "";
    private LineIndex? _lines;
    public string Text { get => _text; private set { _text = value; _lines = null; } }
    /// <summary>Line starts of the current text, rebuilt on first use after an edit (a scan for line breaks).</summary>
    public LineIndex Lines => _lines ??= new LineIndex(_text);
    public int Version { get; set; }
    public NGramCache Cache { get; private set; }
    public IReadOnlyList<LexToken> Tokens => _tokens;
    /// <summary>Token ids with &lt;s&gt; first.</summary>
    public ReadOnlySpan<int> Ids => System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_ids);
    public Vocabulary Vocabulary => _vocab;
    /// <summary>Why this document gets no completions (too large, out of step with the editor), or null. Such a
    /// document holds no text, tokens or cache.</summary>
    public string? Unusable { get; private set; }

    /// <summary>Drops the text, tokens and cache and gives no completions until <see cref="SetText"/> brings a usable text.</summary>
    public void MarkUnusable(string reason)
    {
        SetText("");
        Unusable = reason;
    }

    /// <summary>Tokens lexed by the last edit (for tests and benchmarks: proportional to the edit, not the file).</summary>
    public int LastRelexedTokens { get; private set; }

    public void SetText(string text)
    {
        Unusable = null;
        Text = text;
        Relex();
    }

    /// <summary>Rebinds to a new vocabulary (after a model reload): ids and cache are rebuilt.</summary>
    public void Rebind(Vocabulary vocab, int cacheOrder)
    {
        Release();
        _vocab = vocab;
        Cache = new NGramCache(cacheOrder);
        _ids.Clear();
        _ids.Add(Vocabulary.Bos);
        foreach (var t in _tokens) _ids.Add(vocab.MapOrAdd(t));
        _vocab.Retain(Ids, +1);
        Cache.Update(Ids, 1, _ids.Count, +1);
    }

    /// <summary>Gives up this document's hold on the words it added to the vocabulary (when it is closed).</summary>
    public void Release() => _vocab.Retain(Ids, -1);

    private void Relex()
    {
        _tokens.Clear();
        _directives = CSharpLexer.DirectiveLines(Text);
        _tokens.AddRange(CSharpLexer.Lex(Text, _directives));
        LastRelexedTokens = _tokens.Count;
        Cache.Clear();
        Release();
        _ids.Clear();
        _ids.Add(Vocabulary.Bos);
        foreach (var t in _tokens) _ids.Add(_vocab.MapOrAdd(t));
        _vocab.Retain(Ids, +1);
        Cache.Update(Ids, 1, _ids.Count, +1);
    }

    /// <summary>Replaces <paramref name="oldLength"/> UTF-16 units at <paramref name="start"/> by <paramref name="insert"/>.</summary>
    private static readonly System.Buffers.SearchValues<char> LiteralBreakers = System.Buffers.SearchValues.Create("\"'{}\r\n\\");

    public void Replace(int start, int oldLength, string insert)
    {
        if (start < 0 || oldLength < 0 || start + oldLength > Text.Length)
            throw new ArgumentOutOfRangeException(nameof(start), $"edit [{start}, {start + oldLength}) is outside the document (length {Text.Length})");
        string newText = string.Concat(Text.AsSpan(0, start), insert, Text.AsSpan(start + oldLength));
        int delta = insert.Length - oldLength;
        int oldEditEnd = start + oldLength, newEditEnd = start + insert.Length;
        // Whether a '#' line is a directive depends on the literals before it. When the edit changes that for a line
        // outside the edit (it opens or closes a multi-line string, say), the old tokens there are stale: lex anew.
        var directives = CSharpLexer.DirectiveLines(newText);
        if (!SameDirectivesOutside(_directives, directives, start, oldEditEnd, newEditEnd))
        {
            Text = newText;
            Relex();
            return;
        }
        _directives = directives;

        // An edit inside a string or char literal that adds or removes a quote, a brace or a line break can flip which
        // of the following characters are code: the lexer's state after it does not meet the old one again at a
        // token boundary that merely looks the same. Lex anew (rare: typing such characters inside a literal).
        int first = FirstTokenEndingAtOrAfter(start);
        if (first < _tokens.Count && _tokens[first].Start <= oldEditEnd && (_tokens[first].Kind == TokenKind.Literal || _tokens[first].Inner)
            && (insert.AsSpan().IndexOfAny(LiteralBreakers) >= 0 || Text.AsSpan(start, oldLength).IndexOfAny(LiteralBreakers) >= 0))
        {
            _directives = directives;
            Text = newText;
            Relex();
            return;
        }

        // First token that touches the edit, one more back for safety, then back to a restartable token.
        int i = FirstTokenEndingAtOrAfter(start);
        if (i > 0) i--;
        while (i > 0 && _tokens[i].Inner) i--;
        // Restart at that token's start; before the first token the caret may be in a leading comment, so from 0.
        int relexFrom = i == 0 || _tokens.Count == 0 ? 0 : _tokens[i].Start;

        var fresh = new List<LexToken>();
        int k = i; // old token index candidate for resynchronisation
        int resyncAt = _tokens.Count;
        foreach (var t in CSharpLexer.LexFrom(newText, relexFrom, directives))
        {
            if (t.Start >= newEditEnd && !t.Inner)
            {
                int oldStart = t.Start - delta;
                while (k < _tokens.Count && _tokens[k].Start < oldStart) k++;
                if (k < _tokens.Count && _tokens[k].Start == oldStart && oldStart >= oldEditEnd && !_tokens[k].Inner
                    && _tokens[k].Text == t.Text && _tokens[k].Kind == t.Kind)
                {
                    resyncAt = k;
                    break;
                }
            }
            fresh.Add(t);
        }
        LastRelexedTokens = fresh.Count;

        int order = Cache.Order;
        // Old n-grams that end at token positions [i, resyncAt + order - 1) (ids are offset by one for <s>).
        int oldTo = Math.Min(resyncAt + order, _ids.Count);
        Cache.Update(Ids, i + 1, oldTo, -1);

        _tokens.RemoveRange(i, resyncAt - i);
        _tokens.InsertRange(i, fresh);
        if (delta != 0)
        {
            var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_tokens);
            for (int j = i + fresh.Count; j < span.Length; j++) span[j] = span[j].Shift(delta);
        }
        _vocab.Retain(Ids.Slice(i + 1, resyncAt - i), -1);
        _ids.RemoveRange(i + 1, resyncAt - i);
        var freshIds = new int[fresh.Count];
        for (int j = 0; j < fresh.Count; j++) freshIds[j] = _vocab.MapOrAdd(fresh[j]);
        _vocab.Retain(freshIds, +1);
        _ids.InsertRange(i + 1, freshIds);
        int newTo = Math.Min(i + fresh.Count + order, _ids.Count);
        Cache.Update(Ids, i + 1, newTo, +1);
        Text = newText;
    }

    /// <summary>True when the directive lines outside the edited range are the same lines before and after the edit.</summary>
    private static bool SameDirectivesOutside(int[] old, int[] now, int start, int oldEditEnd, int newEditEnd)
    {
        int delta = newEditEnd - oldEditEnd;
        int a = 0, b = 0;
        while (true)
        {
            while (a < old.Length && old[a] >= start && old[a] <= oldEditEnd) a++;
            while (b < now.Length && now[b] >= start && now[b] <= newEditEnd) b++;
            if (a == old.Length || b == now.Length) return a == old.Length && b == now.Length;
            int o = old[a] < start ? old[a] : old[a] + delta;
            if (o != now[b]) return false;
            a++; b++;
        }
    }

    /// <summary>Index of the first token whose end is at or after <paramref name="offset"/> (Count if none).</summary>
    public int FirstTokenEndingAtOrAfter(int offset)
    {
        int lo = 0, hi = _tokens.Count - 1, ans = _tokens.Count;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_tokens[mid].End >= offset) { ans = mid; hi = mid - 1; } else lo = mid + 1;
        }
        return ans;
    }

    public CaretContext GetCaretContext(int offset)
    {
        offset = Math.Clamp(offset, 0, Text.Length);
        int i = FirstTokenEndingAtOrAfter(offset);
        // i: first token ending at/after the caret. If it starts before the caret, the caret is inside it or at its end.
        if (i < _tokens.Count && _tokens[i].Start < offset)
        {
            var t = _tokens[i];
            if (t.Kind is TokenKind.Identifier or TokenKind.Keyword)
            {
                int end = t.End;
                return new CaretContext(i, Text.Substring(t.Start, offset - t.Start), t.Start, end, false, null);
            }
            if (t.Kind == TokenKind.Literal && (offset < t.End || !IsTerminated(t)))
                return new CaretContext(i, "", offset, offset, true, "inside a literal");
            if (t.Kind == TokenKind.Punctuation && offset < t.End)
                return new CaretContext(i, "", offset, offset, true, "inside an operator");
            // At the end of a punctuation or literal token: the next token starts here.
            i++;
        }
        int before = i;
        int gapStart = before > 0 ? _tokens[before - 1].End : 0;
        if (InComment(Text, gapStart, offset)) return new CaretContext(before, "", offset, offset, true, "inside a comment");
        if (InDirective(Text, offset)) return new CaretContext(before, "", offset, offset, true, "inside a preprocessor directive");
        int wordEnd = offset;
        while (wordEnd < Text.Length && CSharpLexer.IsWordChar(Text[wordEnd])) wordEnd++;
        return new CaretContext(before, "", offset, wordEnd, false, null);
    }

    private static bool IsTerminated(in LexToken t) => t.Class switch
    {
        LiteralClass.String or LiteralClass.RawString => t.Text.Length >= 2 && t.Text[^1] == '"',
        LiteralClass.Char => t.Text.Length >= 2 && t.Text[^1] == '\'',
        _ => true,
    };

    /// <summary>True when the caret, in a gap between tokens, sits in a // or /* */ comment.</summary>
    internal static bool InComment(string text, int gapStart, int offset)
    {
        var gap = text.AsSpan(gapStart, offset - gapStart);
        int p = 0;
        while (p < gap.Length - 1)
        {
            if (gap[p] == '/' && gap[p + 1] == '/')
            {
                int nl = gap[p..].IndexOf('\n');
                if (nl < 0) return true;
                p += nl + 1;
            }
            else if (gap[p] == '/' && gap[p + 1] == '*')
            {
                int close = gap[(p + 2)..].IndexOf("*/");
                if (close < 0) return true;
                p += close + 4;
            }
            else p++;
        }
        return false;
    }

    private static bool InDirective(string text, int offset)
    {
        int ls = offset > 0 ? text.LastIndexOf('\n', offset - 1) + 1 : 0;
        var line = text.AsSpan(ls, offset - ls).TrimStart();
        return line.Length > 0 && line[0] == '#';
    }
}
