using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

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

    internal static IEnumerable<LexToken> LexFrom(string text, int offset, int window, int[] directives)
    {
        // Blank directives in windows, so that a lazy consumer pays only for the part it reads.
        int Window = window;
        int windowStart = offset;
        while (windowStart < text.Length)
        {
            int windowEnd = Math.Min(text.Length, windowStart + Window);
            // Extend to the end of the line so a directive is never cut.
            int nl = text.IndexOf('\n', windowEnd == 0 ? 0 : windowEnd - 1);
            windowEnd = nl < 0 ? text.Length : nl + 1;
            string chunk = BlankDirectives(text, windowStart, windowEnd, directives);
            bool last = windowEnd >= text.Length;
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
            if (last) yield break;
            if (resumeAt < 0) { windowStart = windowEnd; continue; }
            if (resumeAt == windowStart)
            {
                // A single token longer than the window (a huge string): lex the rest in one go.
                string rest = BlankDirectives(text, windowStart, text.Length, directives);
                foreach (var tok in SyntaxFactory.ParseTokens(rest, 0, 0, Options))
                {
                    RoslynStringTable.Note(tok.Span.Length);
                    if (tok.IsKind(SyntaxKind.EndOfFileToken)) break;
                    foreach (var lt in Convert(tok, windowStart)) yield return lt;
                }
                yield break;
            }
            windowStart = resumeAt;
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
        var expr = SyntaxFactory.ParseExpression(text, 0, Options);
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
