namespace CompletionLsp.Core.Syntax;

/// <summary>The role of a token, used for per-kind metrics and completion item kinds.</summary>
public enum TokenKind : byte
{
    Identifier,
    Keyword,
    Punctuation,
    Literal,
    /// <summary>Sentence markers and the unknown token.</summary>
    Special,
}

/// <summary>Which class token a literal maps to when its text is not frequent enough to keep verbatim.</summary>
public enum LiteralClass : byte
{
    None,
    String,
    Char,
    Number,
    InterpolatedText,
    RawString,
}

/// <summary>A lexed token without trivia. <see cref="Start"/> is a UTF-16 offset into the document.
/// <see cref="Inner"/> marks the parts of an interpolated string after its start token: lexing cannot restart there.</summary>
public readonly record struct LexToken(int Start, int Length, string Text, TokenKind Kind, LiteralClass Class, bool Inner = false)
{
    public LexToken Shift(int delta) => this with { Start = Start + delta };

    public int End => Start + Length;
}
