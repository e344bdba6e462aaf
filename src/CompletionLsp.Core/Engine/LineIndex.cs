namespace CompletionLsp.Core.Engine;

/// <summary>
/// Line starts of a text, for converting (line, UTF-16 character) positions to offsets and back. Lines end at
/// "\n", "\r\n" or a lone "\r", as the LSP specifies (an editor counts a lone '\r' as a line break). Positions past
/// the end of a line clamp to its end (before its line break); lines past the end clamp to the end of the text.
/// </summary>
public sealed class LineIndex
{
    private readonly int[] _starts;
    private readonly string _text;

    public LineIndex(string text)
    {
        _text = text;
        var starts = new List<int> { 0 };
        int i = 0;
        while (true)
        {
            int at = text.AsSpan(i).IndexOfAny('\r', '\n');
            if (at < 0) break;
            i += at;
            if (text[i] == '\r' && i + 1 < text.Length && text[i + 1] == '\n') i++;
            starts.Add(++i);
        }
        _starts = starts.ToArray();
    }

    public int LineCount => _starts.Length;

    public int OffsetOf(int line, int character)
    {
        if (line < 0) return 0;
        if (line >= _starts.Length) return _text.Length;
        int start = _starts[line];
        int end = _text.Length;
        if (line + 1 < _starts.Length)
        {
            end = _starts[line + 1] - 1; // at the '\n' or lone '\r'
            if (_text[end] == '\n' && end > start && _text[end - 1] == '\r') end--;
        }
        return start + Math.Clamp(character, 0, end - start);
    }

    public (int Line, int Character) PositionOf(int offset)
    {
        offset = Math.Clamp(offset, 0, _text.Length);
        int i = Array.BinarySearch(_starts, offset);
        int line = i >= 0 ? i : ~i - 1;
        return (line, offset - _starts[line]);
    }
}
