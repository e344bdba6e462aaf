using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CompletionLsp.Core.Syntax;

/// <summary>
/// Lexes C# into trivia-free tokens with Roslyn. Preprocessor directive lines are blanked (replaced by spaces,
/// so offsets are unchanged) before lexing, which makes every branch of <c>#if</c> active: code in inactive
/// regions is tokenized like any other code, and the token stream does not depend on which symbols are defined.
/// Interpolated strings are split into their parts (<c>$"</c>, text, holes, <c>"</c>).
/// </summary>
public static class CSharpLexer
{
    private static readonly CSharpParseOptions Options = new(LanguageVersion.Preview, DocumentationMode.None);

    public static List<LexToken> Lex(string text) => Lex(text, DirectiveLines(text));

    /// <summary>Lexes with the directive lines known already (<see cref="DirectiveLines"/> of this text).</summary>
    public static List<LexToken> Lex(string text, int[] directives)
    {
        var result = new List<LexToken>(text.Length / 4 + 4);
        foreach (var t in LexFrom(text, 0, DefaultWindow, directives)) result.Add(t);
        return result;
    }

    /// <summary>Lazily lexes <paramref name="text"/> from <paramref name="offset"/>, which must be a token or line start.</summary>
    public static IEnumerable<LexToken> LexFrom(string text, int offset) => LexFrom(text, offset, DefaultWindow, DirectiveLines(text));

    /// <summary><see cref="LexFrom(string, int)"/> with the directive lines known already.</summary>
    public static IEnumerable<LexToken> LexFrom(string text, int offset, int[] directives) => LexFrom(text, offset, DefaultWindow, directives);

    internal const int DefaultWindow = 16 * 1024;

    /// <summary>
    /// Start offsets of the preprocessor directive lines of <paramref name="text"/>, ascending: lines that start, after
    /// blanks, with '#' in code, not inside a verbatim or raw string, an interpolation hole or a block comment that
    /// began on an earlier line. One pass over the characters (no Roslyn), so it is cheap to redo after an edit.
    /// </summary>
    public static int[] DirectiveLines(string text)
    {
        var result = new List<int>();
        var scan = new LiteralScanner();
        var chars = text.AsSpan();
        int fed = 0, search = 0; // the scanner has seen chars[..fed] (directive lines excepted)
        while (search < chars.Length)
        {
            // Only a line whose first non-blank is '#' can be a directive; '#' is rare elsewhere.
            int h = chars[search..].IndexOf('#');
            if (h < 0) break;
            h += search;
            int ls = h;
            while (ls > 0 && (chars[ls - 1] == ' ' || chars[ls - 1] == '\t')) ls--;
            if (ls > 0 && chars[ls - 1] != '\n') { search = h + 1; continue; }
            scan.Feed(chars, fed, ls);
            fed = ls;
            if (!scan.InCode) { search = h + 1; continue; } // inside a literal or comment: string text
            int le = chars[h..].IndexOf('\n');
            le = le < 0 ? chars.Length : h + le;
            result.Add(ls);
            fed = search = Math.Min(chars.Length, le + 1);
        }
        return result.ToArray();
    }

    /// <summary><see cref="LexFrom(string, int)"/> with another window size (tests compare window sizes).</summary>
    internal static IEnumerable<LexToken> LexFrom(string text, int offset, int window) => LexFrom(text, offset, window, DirectiveLines(text));

    /// <summary>
    /// Interpolated strings nested deeper than this (a string in a hole of a string in a hole..., each bracket open in
    /// a hole counting as a level) are not given to Roslyn: its lexer recurses once per level (a stack overflow, which
    /// kills the process, at a few thousand) and splitting holes re-lexes each level (quadratic). Such a string, from
    /// its outermost <c>$"</c> to its end, is one literal token (class <c>&lt;istr&gt;</c>); real code nests a few levels.
    /// </summary>
    public const int MaxInterpolationDepth = 32;

    internal static IEnumerable<LexToken> LexFrom(string text, int offset, int window, int[] directives)
    {
        // Blank directives in windows, so that a lazy consumer pays only for the part it reads.
        int Window = window;
        int windowStart = offset;
        var deep = DeepInterpolations.For(text, offset, directives);
        while (windowStart < text.Length)
        {
            int windowEnd = Math.Min(text.Length, windowStart + Window);
            // Extend to the end of the line so a directive is never cut.
            int nl = text.IndexOf('\n', windowEnd == 0 ? 0 : windowEnd - 1);
            windowEnd = nl < 0 ? text.Length : nl + 1;
            // Roslyn sees text up to `limit`: the end, or the start of a too-deep interpolated string (a clean token
            // boundary: the scanner is in code there).
            int limit = text.Length;
            if (deep != null && deep.NextStartBefore(windowEnd) is (int ds, int de))
            {
                if (ds <= windowStart)
                {
                    yield return new LexToken(ds, de - ds, text.Substring(ds, de - ds), TokenKind.Literal, LiteralClass.InterpolatedText);
                    deep.Skip();
                    windowStart = de;
                    continue;
                }
                windowEnd = limit = ds;
            }
            string chunk = BlankDirectives(text, windowStart, windowEnd, directives);
            bool last = windowEnd >= limit;
            int resumeAt = -1;
            foreach (var tok in SyntaxFactory.ParseTokens(chunk, 0, 0, Options))
            {
                RoslynStringTable.Note(tok.Span.Length);
                if (tok.IsKind(SyntaxKind.EndOfFileToken))
                {
                    // A block comment still open at the window's end must be lexed again with more text.
                    if (!last)
                        foreach (var tr in tok.LeadingTrivia)
                            if (tr.IsKind(SyntaxKind.MultiLineCommentTrivia) || tr.IsKind(SyntaxKind.MultiLineDocumentationCommentTrivia))
                            { resumeAt = windowStart + tr.SpanStart; break; }
                    break;
                }
                if (!last && tok.Span.End >= chunk.Length - 1)
                {
                    // The token may continue past the window: lex again from its start with more text.
                    resumeAt = windowStart + tok.SpanStart;
                    break;
                }
                foreach (var lt in Convert(tok, windowStart)) yield return lt;
                // A block comment that starts after a token on its line is that token's trailing trivia: if it is
                // still open at the window's end, it too must be lexed again with more text.
                if (!last && OpenBlockComment(tok.TrailingTrivia) is int open)
                {
                    resumeAt = windowStart + open;
                    break;
                }
            }
            if (last)
            {
                if (limit >= text.Length) yield break;
                windowStart = limit; // a too-deep string starts here
                continue;
            }
            if (resumeAt < 0) { windowStart = windowEnd; continue; }
            if (resumeAt == windowStart)
            {
                // A single token longer than the window (a huge string): lex the rest in one go.
                int restEnd = deep?.NextStartBefore(text.Length) is (int rs, _) ? rs : text.Length;
                string rest = BlankDirectives(text, windowStart, restEnd, directives);
                foreach (var tok in SyntaxFactory.ParseTokens(rest, 0, 0, Options))
                {
                    RoslynStringTable.Note(tok.Span.Length);
                    if (tok.IsKind(SyntaxKind.EndOfFileToken)) break;
                    foreach (var lt in Convert(tok, windowStart)) yield return lt;
                }
                if (restEnd >= text.Length) yield break;
                windowStart = restEnd;
                continue;
            }
            windowStart = resumeAt;
        }
    }

    /// <summary>Finds, lazily and in one pass, the interpolated strings nested deeper than <see cref="MaxInterpolationDepth"/>.</summary>
    private sealed class DeepInterpolations
    {
        private readonly string _text;
        private readonly int[] _directives;
        private readonly List<(int Start, int End)> _regions = new();
        private readonly LiteralScanner _scan;
        private int _fed, _next, _d;

        private DeepInterpolations(string text, int offset, int[] directives)
        {
            _text = text;
            _directives = directives;
            _fed = offset;
            _scan = new LiteralScanner { DeepLimit = MaxInterpolationDepth, DeepRegions = _regions };
            _d = Array.BinarySearch(directives, offset);
            if (_d < 0) _d = ~_d;
        }

        /// <summary>Null when the text holds no interpolated string (no '$'): then it costs a vectorized search.</summary>
        public static DeepInterpolations? For(string text, int offset, int[] directives) =>
            text.AsSpan(offset).Contains('$') ? new DeepInterpolations(text, offset, directives) : null;

        /// <summary>The next too-deep string not yet skipped if it starts before <paramref name="end"/> (a line end or the text's end).</summary>
        public (int Start, int End)? NextStartBefore(int end)
        {
            ScanTo(end);
            if (_next < _regions.Count && _regions[_next].Start < end)
            {
                // Its end is needed too: scan on (in line-aligned steps) until it closes.
                while (_scan.DeepOpen && _fed < _text.Length)
                {
                    int nl = _text.IndexOf('\n', Math.Min(_text.Length - 1, _fed + 64 * 1024));
                    ScanTo(nl < 0 ? _text.Length : nl + 1);
                }
                if (_scan.DeepOpen) _scan.EndDeepRegion(_text.Length);
                return _regions[_next];
            }
            return null;
        }

        public void Skip() => _next++;

        /// <summary>Feeds the scanner up to <paramref name="end"/> (a line start or the end), skipping directive lines.</summary>
        private void ScanTo(int end)
        {
            var span = _text.AsSpan();
            while (_fed < end)
            {
                if (_d < _directives.Length && _directives[_d] < end)
                {
                    int ds = _directives[_d++];
                    if (ds < _fed) continue;
                    _scan.Feed(span, _fed, ds);
                    int le = _text.IndexOf('\n', ds);
                    _fed = le < 0 ? _text.Length : le + 1;
                    continue;
                }
                _scan.Feed(span, _fed, end);
                _fed = end;
            }
        }
    }

    /// <summary>Start of an unterminated block comment among <paramref name="trivia"/>, or null.</summary>
    private static int? OpenBlockComment(SyntaxTriviaList trivia)
    {
        foreach (var tr in trivia)
        {
            if (!tr.IsKind(SyntaxKind.MultiLineCommentTrivia) && !tr.IsKind(SyntaxKind.MultiLineDocumentationCommentTrivia)) continue;
            var s = tr.ToString();
            if (s.Length < 4 || !s.EndsWith("*/", StringComparison.Ordinal)) return tr.SpanStart;
        }
        return null;
    }

    /// <summary>Copies text[start..end) with each preprocessor directive line (<paramref name="directives"/>: their
    /// start offsets, ascending) replaced by spaces from its '#' on.</summary>
    internal static string BlankDirectives(string text, int start, int end, int[] directives)
    {
        var chars = text.AsSpan(start, end - start).ToArray();
        int d = Array.BinarySearch(directives, start);
        if (d < 0) d = ~d;
        for (; d < directives.Length && directives[d] < end; d++)
        {
            int k = directives[d] - start;
            while (k < chars.Length && chars[k] != '#') k++;
            for (; k < chars.Length && chars[k] != '\n'; k++) if (chars[k] != '\r') chars[k] = ' ';
        }
        return new string(chars);
    }

    private static IEnumerable<LexToken> Convert(SyntaxToken tok, int baseOffset)
    {
        var kind = tok.Kind();
        if (kind == SyntaxKind.InterpolatedStringToken)
        {
            foreach (var part in SplitInterpolated(tok.Text, baseOffset + tok.SpanStart)) yield return part;
            yield break;
        }
        if (tok.Span.Length == 0) yield break; // missing tokens
        yield return Make(tok, baseOffset + tok.SpanStart);
    }

    private static IEnumerable<LexToken> SplitInterpolated(string text, int start)
    {
        ExpressionSyntax expr;
        try { expr = SyntaxFactory.ParseExpression(text, 0, Options); }
        catch (InsufficientExecutionStackException)
        {
            // Nesting too deep for the parser (thousands of parentheses in a hole): the string is one literal.
            return [new LexToken(start, text.Length, text, TokenKind.Literal, LiteralClass.InterpolatedText)];
        }
        return SplitParts(expr, start);
    }

    private static IEnumerable<LexToken> SplitParts(ExpressionSyntax expr, int start)
    {
        bool first = true;
        foreach (var t in expr.DescendantTokens())
        {
            if (t.Span.Length == 0) continue;
            var lt = Make(t, start + t.SpanStart);
            yield return first ? lt : lt with { Inner = true };
            first = false;
        }
    }

    private static LexToken Make(SyntaxToken tok, int start)
    {
        var kind = tok.Kind();
        string text = tok.Text;
        switch (kind)
        {
            case SyntaxKind.IdentifierToken:
                // Contextual keywords (var, async, await, get, set...) are identifiers to Roslyn's lexer; their role
                // in completion is the keyword's.
                return new LexToken(start, text.Length, text,
                    text.Length > 0 && text[0] != '@' && SyntaxFacts.GetContextualKeywordKind(text) != SyntaxKind.None
                        ? TokenKind.Keyword : TokenKind.Identifier, LiteralClass.None);
            case SyntaxKind.NumericLiteralToken:
                return new LexToken(start, text.Length, text, TokenKind.Literal, LiteralClass.Number);
            case SyntaxKind.CharacterLiteralToken:
                return new LexToken(start, text.Length, text, TokenKind.Literal, LiteralClass.Char);
            case SyntaxKind.StringLiteralToken:
            case SyntaxKind.Utf8StringLiteralToken:
                return new LexToken(start, text.Length, text, TokenKind.Literal, LiteralClass.String);
            case SyntaxKind.SingleLineRawStringLiteralToken:
            case SyntaxKind.MultiLineRawStringLiteralToken:
            case SyntaxKind.Utf8SingleLineRawStringLiteralToken:
            case SyntaxKind.Utf8MultiLineRawStringLiteralToken:
                return new LexToken(start, text.Length, text, TokenKind.Literal, LiteralClass.RawString);
            case SyntaxKind.InterpolatedStringTextToken:
                return new LexToken(start, text.Length, text, TokenKind.Literal, LiteralClass.InterpolatedText);
            case SyntaxKind.InterpolatedStringStartToken:
            case SyntaxKind.InterpolatedVerbatimStringStartToken:
            case SyntaxKind.InterpolatedSingleLineRawStringStartToken:
            case SyntaxKind.InterpolatedMultiLineRawStringStartToken:
            case SyntaxKind.InterpolatedStringEndToken:
            case SyntaxKind.InterpolatedRawStringEndToken:
                return new LexToken(start, text.Length, text, TokenKind.Punctuation, LiteralClass.None);
            default:
                if (SyntaxFacts.IsKeywordKind(kind))
                {
                    // true/false/null/default are literal keywords; they are frequent and kept verbatim.
                    return new LexToken(start, text.Length, text, TokenKind.Keyword, LiteralClass.None);
                }
                return new LexToken(start, text.Length, text, TokenKind.Punctuation, LiteralClass.None);
        }
    }

    /// <summary>True when a character can continue an identifier or keyword typed at the cursor.</summary>
    public static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || c == '_' || c == '@';
}
