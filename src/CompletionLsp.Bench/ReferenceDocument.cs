namespace CompletionLsp.Bench;

// The edit soak's reference document (see EditSoak.cs).
/// <summary>
/// The editor's view of a document: applies LSP content changes with its own position conversion, written from the
/// specification (lines end at "\n", "\r\n" or "\r"; a character past the end of a line is the end of the line; a line
/// past the end of the document is its end), independently of the server's.
/// </summary>
public sealed class ReferenceDocument(string text)
{
    public string Text { get; private set; } = text;

    public int OffsetOf(int line, int character)
    {
        int l = 0, i = 0;
        while (l < line)
        {
            int br = Text.AsSpan(i).IndexOfAny('\r', '\n');
            if (br < 0) return Text.Length;
            i += br;
            i += Text[i] == '\r' && i + 1 < Text.Length && Text[i + 1] == '\n' ? 2 : 1;
            l++;
        }
        int end = Text.AsSpan(i).IndexOfAny('\r', '\n');
        int lineLength = end < 0 ? Text.Length - i : end;
        return i + Math.Clamp(character, 0, lineLength);
    }

    public (int Line, int Character) PositionOf(int offset)
    {
        int line = 0, lineStart = 0;
        for (int i = 0; i < offset; i++)
        {
            char c = Text[i];
            if (c == '\n' || (c == '\r' && (i + 1 >= Text.Length || Text[i + 1] != '\n'))) { line++; lineStart = i + 1; }
        }
        return (line, offset - lineStart);
    }

    public void Apply(int startLine, int startChar, int endLine, int endChar, string insert)
    {
        int s = OffsetOf(startLine, startChar), e = OffsetOf(endLine, endChar);
        if (e < s) (s, e) = (e, s);
        Text = string.Concat(Text.AsSpan(0, s), insert, Text.AsSpan(e));
    }

    public void Replace(string text) => Text = text;
}
