namespace CompletionLsp.Bench;

// The edit soak's edits (see EditSoak.cs).
/// <summary>Random edits as an editor sends them, mostly near a caret that moves as a user types.</summary>
public sealed class EditGenerator(Random rng, int initialLength)
{
    private static readonly string[] Typed =
    [
        "x", "i", "name", "count", "_counts", ".", "(", ")", ";", " ", "  ", "\n", "\r\n", "{", "}", "=", "=>", "\"", "\"text\"",
        "$\"{name}\"", "$\"a {b} c\"", "@\"v\"", "'c'", "// note\n", "/* c */", "/*", "*/", "var ", "return ", "new ", "List<int>",
        "Console.WriteLine(", "if (", "\"\"\"", "#if DEBUG\n", "#endif\n", "😀", "é", "\t", "0", "1.5", "\\", "{{", "}}",
        "\r", "\n\n", "Total", "Add(\"a\", 1);",
    ];

    private static readonly string[] Blocks =
    [
        "\n    public void M()\n    {\n        var s = $\"{x} and {y}\";\n    }\n",
        "\r\n// comment line\r\nint a = 1;\r\n",
        "/* multi\n   line\n   comment */",
        "@\"multi\nline verbatim\"",
        "\"\"\"\n    raw\n    \"\"\"",
        "\n\n\n",
        "class Extra { }\n",
    ];

    /// <summary>The caret (an offset in the reference text) after the last edit.</summary>
    public int Caret { get; private set; }

    public (object[] Changes, string Op) Next(ReferenceDocument doc)
    {
        int n = rng.Next(100) < 4 ? rng.Next(2, 5) : 1;
        var changes = new object[n];
        string op = "";
        for (int k = 0; k < n; k++)
        {
            var (change, what) = One(doc);
            changes[k] = change;
            op += (k > 0 ? "+" : "") + what;
        }
        return (changes, op);
    }

    private (object Change, string Op) One(ReferenceDocument doc)
    {
        string text = doc.Text;
        Caret = Math.Clamp(Caret, 0, text.Length);
        if (text.Length > initialLength * 3)
            return Edit(doc, Snap(text, rng.Next(text.Length / 2)), Snap(text, text.Length / 2 + rng.Next(text.Length / 2)), "", "shrink");
        if (text.Length < initialLength / 2)
        {
            int from = rng.Next(EditSoak.DefaultText.Length / 2);
            return Edit(doc, Snap(text, rng.Next(text.Length + 1)), -1, EditSoak.DefaultText.Substring(from, EditSoak.DefaultText.Length / 2), "grow");
        }
        int r = rng.Next(100);
        if (r < 40) return Edit(doc, Snap(text, Caret), -1, Typed[rng.Next(Typed.Length)], "type");
        if (r < 52) return Edit(doc, Snap(text, Caret - rng.Next(1, 4)), Snap(text, Caret), "", "backspace");
        if (r < 60) { int a = Snap(text, rng.Next(text.Length + 1)); return Edit(doc, a, Snap(text, a + rng.Next(0, 60)), "", "delete"); }
        if (r < 67) { int a = Snap(text, rng.Next(text.Length + 1)); return Edit(doc, a, Snap(text, a + rng.Next(0, 40)), Blocks[rng.Next(Blocks.Length)], "replace"); }
        if (r < 71) return Edit(doc, 0, Snap(text, rng.Next(0, 3)), Typed[rng.Next(Typed.Length)], "start");
        if (r < 75) return Edit(doc, Snap(text, text.Length - rng.Next(0, 3)), text.Length, Typed[rng.Next(Typed.Length)], "end");
        if (r < 83)
        {
            // At the end of a line: type there, or join it with the next one.
            int a = Snap(text, rng.Next(text.Length + 1));
            int eol = text.AsSpan(a).IndexOfAny('\r', '\n');
            eol = eol < 0 ? text.Length : a + eol;
            return rng.Next(2) == 0 ? Edit(doc, eol, -1, Typed[rng.Next(Typed.Length)], "eol")
                : Edit(doc, eol, Snap(text, eol + (eol + 1 < text.Length && text[eol] == '\r' && text[eol + 1] == '\n' ? 2 : 1)), "", "join");
        }
        if (r < 93)
        {
            // Inside a string, a comment or an interpolation hole.
            string[] marks = ["\"", "//", "/*", "{", "$\"", "@\""];
            string mark = marks[rng.Next(marks.Length)];
            int from = rng.Next(text.Length + 1);
            int at = text.IndexOf(mark, from, StringComparison.Ordinal);
            if (at < 0) at = text.IndexOf(mark, StringComparison.Ordinal);
            if (at < 0) at = from;
            at = Snap(text, Math.Min(text.Length, at + mark.Length + rng.Next(0, 3)));
            Caret = at;
            return rng.Next(3) == 0 ? Edit(doc, at, Snap(text, at + rng.Next(1, 6)), "", "inside-delete") : Edit(doc, at, -1, Typed[rng.Next(Typed.Length)], "inside");
        }
        if (r < 97)
        {
            // Positions past the end of a line or the document: they clamp (the server and the reference alike).
            var (line, _) = doc.PositionOf(Snap(text, rng.Next(text.Length + 1)));
            int lines = doc.PositionOf(text.Length).Line + 1;
            int l = rng.Next(4) == 0 ? lines + rng.Next(0, 3) : line;
            var p = new { line = l, character = 200 + rng.Next(1000) };
            doc.Apply(l, p.character, l, p.character, "x");
            Caret = doc.OffsetOf(l, p.character);
            return (new { range = new { start = p, end = p }, text = "x" }, "clamped");
        }
        // Move the caret somewhere else and type there.
        Caret = Snap(text, rng.Next(text.Length + 1));
        return Edit(doc, Caret, -1, Typed[rng.Next(Typed.Length)], "jump");
    }

    /// <summary>An offset that does not split a surrogate pair or a "\r\n" (positions cannot address one).</summary>
    public static int Snap(string text, int offset)
    {
        offset = Math.Clamp(offset, 0, text.Length);
        if (offset > 0 && offset < text.Length && ((char.IsHighSurrogate(text[offset - 1]) && char.IsLowSurrogate(text[offset]))
            || (text[offset - 1] == '\r' && text[offset] == '\n'))) offset++;
        return offset;
    }

    private (object, string) Edit(ReferenceDocument doc, int start, int end, string insert, string op)
    {
        if (end < 0) end = start;
        if (end < start) (start, end) = (end, start);
        var s = doc.PositionOf(start);
        var e = doc.PositionOf(end);
        doc.Apply(s.Line, s.Character, e.Line, e.Character, insert);
        Caret = start + insert.Length;
        return (new { range = new { start = new { line = s.Line, character = s.Character }, end = new { line = e.Line, character = e.Character } }, text = insert }, op);
    }
}
