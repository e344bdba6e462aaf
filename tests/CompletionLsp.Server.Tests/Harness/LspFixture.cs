using CompletionLsp.Server.Protocol;

namespace CompletionLsp.Server.Tests.Harness;

/// <summary>Tests are data: an inline C# fixture with a caret marker `$0`, turned into text and an LSP position.</summary>
public static class LspFixture
{
    public const string Caret = "$0";

    public static (string Text, Position Caret) Parse(string fixture)
    {
        int at = fixture.IndexOf(Caret, StringComparison.Ordinal);
        if (at < 0) throw new ArgumentException("fixture has no $0 caret marker");
        if (fixture.IndexOf(Caret, at + Caret.Length, StringComparison.Ordinal) >= 0) throw new ArgumentException("fixture has two carets");
        var text = fixture.Remove(at, Caret.Length);
        return (text, PositionOf(text, at));
    }

    /// <summary>An LSP position (line, UTF-16 character) of an offset, independent of the server's own conversion.</summary>
    public static Position PositionOf(string text, int offset)
    {
        int line = 0, lineStart = 0;
        for (int i = 0; i < offset; i++)
            if (text[i] == '\n') { line++; lineStart = i + 1; }
        return new Position(line, offset - lineStart);
    }

    /// <summary>The offset of an LSP position, clamping a character past the end of its line and a line past the end of the text.</summary>
    public static int OffsetOf(string text, Position p)
    {
        int line = 0, i = 0;
        while (line < p.Line)
        {
            int nl = text.IndexOf('\n', i);
            if (nl < 0) return text.Length;
            i = nl + 1;
            line++;
        }
        int end = text.IndexOf('\n', i);
        if (end < 0) end = text.Length;
        else if (end > i && text[end - 1] == '\r') end--;
        return i + Math.Clamp(p.Character, 0, end - i);
    }
}
