using System.Text;
using CompletionLsp.Core.Syntax;

namespace CompletionLsp.Tests;

public class LexerTests
{
    /// <summary>Lexes and checks the invariants every token stream must meet: tokens in order, not overlapping, and
    /// each token's text is the document's text at its offsets (so offsets can be trusted by the editor).</summary>
    internal static List<LexToken> Lex(string text)
    {
        var toks = CSharpLexer.Lex(text);
        int prevEnd = 0;
        foreach (var t in toks)
        {
            Assert.True(t.Length > 0, $"empty token at {t.Start}");
            Assert.True(t.Start >= prevEnd, $"token '{t.Text}' at {t.Start} overlaps the previous one (ending at {prevEnd})");
            Assert.True(t.End <= text.Length, $"token '{t.Text}' ends past the text");
            Assert.Equal(text.Substring(t.Start, t.Length), t.Text);
            prevEnd = t.End;
        }
        return toks;
    }

    private static string[] Texts(string text) => Lex(text).Select(t => t.Text).ToArray();

    private static LexToken Single(List<LexToken> toks, string text) => Assert.Single(toks, t => t.Text == text);

    [Fact]
    public void Interpolated_string_is_split_into_start_text_holes_and_end()
    {
        var toks = Lex("var s = $\"a{x}b{y:N2}c\"; int q;");
        Assert.Equal(["var", "s", "=", "$\"", "a", "{", "x", "}", "b", "{", "y", ":", "N2", "}", "c", "\"", ";", "int", "q", ";"],
            toks.Select(t => t.Text));
        int start = toks.FindIndex(t => t.Text == "$\"");
        Assert.False(toks[start].Inner); // lexing can restart at the start token...
        Assert.All(toks.Skip(start + 1).Take(12), t => Assert.True(t.Inner)); // ...but not inside the string
        Assert.False(toks[start + 13].Inner); // the ';' after it
        Assert.Equal(LiteralClass.InterpolatedText, toks[start + 1].Class);
        Assert.Equal(TokenKind.Identifier, toks[start + 3].Kind); // x in the hole is code
        Assert.Equal(LiteralClass.InterpolatedText, Single(toks, "N2").Class); // format specifier is text
    }

    [Fact]
    public void Interpolated_verbatim_string_spans_lines_and_keeps_its_holes()
    {
        foreach (var opener in new[] { "$@\"", "@$\"" })
        {
            var text = $"var s = {opener}line {{a.B}}\nnext \"\"q\"\" {{c}}\"; int after;";
            var toks = Lex(text);
            Assert.Equal(["var", "s", "=", opener, "line ", "{", "a", ".", "B", "}", "\nnext \"\"q\"\" ", "{", "c", "}", "\"", ";", "int", "after", ";"],
                toks.Select(t => t.Text));
        }
    }

    [Fact]
    public void Interpolated_raw_string_uses_as_many_braces_as_dollars_for_holes()
    {
        var text = "var s = $$\"\"\"\n  {\"json\": {{value}}, \"n\": {{n + 1}}}\n  \"\"\"; int after;";
        var toks = Lex(text);
        var texts = toks.Select(t => t.Text).ToList();
        // Holes are {{...}}; single braces are text.
        Assert.Contains("value", texts);
        Assert.Equal(TokenKind.Identifier, Single(toks, "value").Kind);
        Assert.Equal(TokenKind.Identifier, Single(toks, "n").Kind);
        Assert.Equal(TokenKind.Literal, Single(toks, "1").Kind);
        Assert.Contains(toks, t => t.Class == LiteralClass.InterpolatedText && t.Text.Contains("{\"json\": "));
        Assert.DoesNotContain(toks, t => t.Text == "json" || t.Text == "\"json\"");
        Assert.Equal(["int", "after", ";"], texts[^3..]);
        Assert.Equal(";", texts[^4]);
    }

    [Fact]
    public void Raw_string_literals_are_one_token_including_quotes_inside()
    {
        var multi = "var s = \"\"\"\n    raw \"quoted\" and \"\"two\"\"\n    \"\"\";\nint after;";
        var toks = Lex(multi);
        var raw = Assert.Single(toks, t => t.Kind == TokenKind.Literal);
        Assert.Equal(LiteralClass.RawString, raw.Class);
        Assert.StartsWith("\"\"\"\n", raw.Text);
        Assert.EndsWith("\"\"\"", raw.Text);
        Assert.Equal(["var", "s", "=", raw.Text, ";", "int", "after", ";"], toks.Select(t => t.Text));

        var single = Lex("x = \"\"\"a \"b\" c\"\"\" + u8;");
        Assert.Equal(["x", "=", "\"\"\"a \"b\" c\"\"\"", "+", "u8", ";"], single.Select(t => t.Text));
        Assert.Equal(LiteralClass.RawString, single[2].Class);

        var utf8 = Lex("ReadOnlySpan<byte> b = \"abc\"u8;");
        Assert.Equal(LiteralClass.String, Single(utf8, "\"abc\"u8").Class);
    }

    [Fact]
    public void Verbatim_string_with_doubled_quotes_and_line_breaks_is_one_token()
    {
        var toks = Lex("var p = @\"C:\\dir\\\"\"quoted\"\"\n second line\"; int after;");
        Assert.Equal(["var", "p", "=", "@\"C:\\dir\\\"\"quoted\"\"\n second line\"", ";", "int", "after", ";"], toks.Select(t => t.Text));
        Assert.Equal(LiteralClass.String, toks[3].Class);
    }

    [Fact]
    public void Char_literals_including_escapes_are_char_tokens()
    {
        var toks = Lex(@"c = 'x'; d = '\n'; e = '\''; f = '\\'; g = '\u0041'; h = '""';");
        var chars = toks.Where(t => t.Kind == TokenKind.Literal).ToList();
        Assert.Equal(["'x'", @"'\n'", @"'\''", @"'\\'", @"'\u0041'", "'\"'"], chars.Select(t => t.Text));
        Assert.All(chars, t => Assert.Equal(LiteralClass.Char, t.Class));
    }

    [Fact]
    public void Numeric_literals_of_every_form_are_single_number_tokens()
    {
        string[] numbers = ["0", "42", "0x1F", "0X_ff", "0b1010_0101", "1_000_000", "1.5", ".5", "1e10", "1.5E-3", "2f", "3.0d", "4m", "5u", "6UL", "7lu", "8L"];
        var toks = Lex("var a = new[] { " + string.Join(", ", numbers) + " };");
        var lits = toks.Where(t => t.Kind == TokenKind.Literal).ToList();
        Assert.Equal(numbers, lits.Select(t => t.Text));
        Assert.All(lits, t => Assert.Equal(LiteralClass.Number, t.Class));
        // A member access on a number is not part of the number.
        Assert.Equal(["1", ".", "ToString", "(", ")"], Texts("1.ToString()"));
    }

    [Fact]
    public void Region_pragma_nullable_and_other_directives_produce_no_tokens()
    {
        var text = """
            #region Fields
            #nullable enable
            #pragma warning disable CS0168 // unused
            #define LOCAL
            int a;
              #endregion
            #pragma warning restore CS0168
            #nullable restore
            #line 200 "other.cs"
            #error not really
            #warning not really either
            int b;
            """;
        Assert.Equal(["int", "a", ";", "int", "b", ";"], Texts(text));
    }

    [Fact]
    public void Code_in_every_branch_of_if_elif_else_is_tokenized_including_nested_and_inactive_branches()
    {
        var text = """
            #if DEBUG
            int debugOnly;
            #elif NEVER_DEFINED
            int elifBranch;
            #else
            int elseBranch;
            #if false
            int nestedInactive;
            #else
            int nestedElse;
            #endif
            #endif
            int always;
            """;
        var ids = Lex(text).Where(t => t.Kind == TokenKind.Identifier).Select(t => t.Text);
        Assert.Equal(["debugOnly", "elifBranch", "elseBranch", "nestedInactive", "nestedElse", "always"], ids);
    }

    [Fact]
    public void An_indented_directive_disappears_and_a_stray_hash_costs_at_most_its_own_line()
    {
        var toks = Texts("int a;\n    #if X\nint b; # stray\nint c;\n\t#endif\nint d;");
        Assert.Equal(["int", "a", ";", "int", "b", ";", "int", "c", ";", "int", "d", ";"], toks);
    }

    [Fact]
    public void A_line_starting_with_a_hash_inside_a_multi_line_string_is_not_a_directive()
    {
        Assert.Equal(["var", "s", "=", "@\"\n#\"", ";", "int", "x", ";", "int", "after", ";"], Texts("var s = @\"\n#\"; int x;\nint after;"));
        Assert.Equal(["var", "r", "=", "\"\"\"\n  # heading\n  \"\"\"", ";"], Texts("var r = \"\"\"\n  # heading\n  \"\"\";"));
        // In a block comment, and in an interpolated verbatim string whose hole holds a string with quotes.
        Assert.Equal(["int", "a", ";", "int", "b", ";"], Texts("int a; /* one\n#if X\n*/ int b;"));
        Assert.Equal(["var", "s", "=", "$@\"", "{", "f", "(", "\"}\"", ")", "}", "\n#x\n", "\"", ";"], Texts("var s = $@\"{f(\"}\")}\n#x\n\";"));
        // A string or a comment closed on the line before: the next '#' line is a directive again.
        Assert.Equal(["var", "s", "=", "@\"a\nb\"", ";", "int", "x", ";", "int", "y", ";"], Texts("var s = @\"a\nb\";\n#if DEBUG\nint x;\n#else\nint y;\n#endif"));
        Assert.Equal(["var", "u", "=", "\"/*\"", ";", "int", "x", ";"], Texts("var u = \"/*\";\n#if A\nint x;\n#endif"));
        var raw = Texts("var r = $$\"\"\"\n#x {{n}}\n\"\"\";\n#if A\nint x;\n#endif");
        Assert.Contains(raw, t => t.Contains("#x"));
        Assert.Equal(["n", ";", "int", "x", ";"], raw.Where(t => !t.Contains('"') && !t.Contains('{') && !t.Contains('}') && !t.Contains('#')).Skip(3));
    }

    [Fact]
    public void Partial_tokens_at_the_end_of_the_text_are_kept()
    {
        Assert.Equal(["foo", ".", "Ba"], Texts("foo.Ba"));
        Assert.Equal(["x", "=", "\"abc"], Texts("x = \"abc"));
        Assert.Equal(["x", "=", "'"], Texts("x = '"));
        Assert.Equal(["x", "=", "$\"", "a", "{"], Texts("x = $\"a{"));
        Assert.Equal(["x", "=", "0x"], Texts("x = 0x"));
        Assert.Equal(["a", "?"], Texts("a?"));
        Assert.Equal(["@"], Texts("@"));
        Assert.Equal(["x", "=", "@\""], Texts("x = @\""));
        Assert.Empty(Texts("// comment at the end"));
        Assert.Empty(Texts(""));
        Assert.Empty(Texts("   \n\t"));
    }

    [Fact]
    public void Unterminated_strings_end_at_the_line_and_the_tokens_after_them_are_kept()
    {
        Assert.Equal(["string", "s", "=", "\"no end", "int", "after", ";"], Texts("string s = \"no end\nint after;"));
        Assert.Equal(["c", "=", "'a", "int", "after", ";"], Texts("c = 'a\nint after;"));
        var interp = Texts("s = $\"no end {x} here\nint after;");
        Assert.Equal(["int", "after", ";"], interp[^3..]);
        Assert.Contains("x", interp);
    }

    [Fact]
    public void Unterminated_multi_line_literals_and_block_comments_run_to_the_end_without_throwing()
    {
        // As in the compiler (and the editor's colouring), an unterminated verbatim or raw string or /* comment runs to
        // the end of the file: the tokens before it are kept, the text after it is inside it.
        Assert.Equal(["int", "before", ";", "@\"open\nint after;"], Texts("int before; @\"open\nint after;"));
        Assert.Equal(["int", "before", ";", "\"\"\"\nopen\nint after;"], Texts("int before; \"\"\"\nopen\nint after;"));
        Assert.Equal(["int", "before", ";"], Texts("int before; /* open\nint after;"));
        Assert.Equal(["int", "before", ";"], Texts("int before; /** open doc\nint after;"));

        // A closed comment keeps everything after it.
        Assert.Equal(["int", "before", ";", "int", "after", ";"], Texts("int before; /* closed\n */ int after;"));

        // Same in a file of many windows: no exception, no endless loop, the code before it intact.
        var big = BigSource(5 * CSharpLexer.DefaultWindow, seed: 1);
        var tail = string.Concat(Enumerable.Repeat("int after = 1; // no end of comment here\n", 2000));
        foreach (var opener in new[] { "\n/* never closed\n", " /* never closed after a token\n" })
        {
            var toks = Lex(big + opener + tail);
            Assert.Equal(Lex(big).Select(t => t.Text), toks.Select(t => t.Text));
        }
    }

    [Fact]
    public void Contextual_keywords_are_keywords_and_ordinary_names_are_identifiers()
    {
        var toks = Lex("""
            partial record R { public required int X { get; init; } }
            async Task M() { var v = await F(); yield return v; }
            var q = from c in cs where c.N > 0 select c; nameof(q); x is not null and var y; s with { };
            Task Foo @var notnull_x dynamicValue
            """);
        foreach (var kw in new[] { "partial", "record", "required", "get", "init", "async", "await", "var", "yield", "from", "where", "select", "nameof", "not", "and", "with" })
            Assert.All(toks.Where(t => t.Text == kw), t => Assert.Equal(TokenKind.Keyword, t.Kind));
        foreach (var id in new[] { "R", "X", "Task", "M", "F", "v", "q", "c", "cs", "N", "x", "y", "s", "Foo", "@var", "notnull_x", "dynamicValue" })
            Assert.All(toks.Where(t => t.Text == id), t => Assert.Equal(TokenKind.Identifier, t.Kind));
        Assert.Equal(TokenKind.Keyword, Single(toks, "public").Kind);
        Assert.Equal(TokenKind.Keyword, Single(toks, "null").Kind);
    }

    // ---- windows: LexFrom works in 16 KiB windows; the result must not depend on where windows end ----

    private static List<LexToken> OneGo(string text) => CSharpLexer.LexFrom(text, 0, text.Length + 1).ToList();

    private static void AssertSameAsOneGo(string text, int window)
    {
        var expected = OneGo(text);
        var actual = CSharpLexer.LexFrom(text, 0, window).ToList();
        if (expected.SequenceEqual(actual)) return;
        int i = 0;
        while (i < expected.Count && i < actual.Count && expected[i] == actual[i]) i++;
        Assert.Fail($"window {window}: token {i} differs: expected {(i < expected.Count ? expected[i] : "(end)")}, got {(i < actual.Count ? actual[i] : "(end)")}");
    }

    /// <summary>Real code from this repository, repeated to the given length (deterministic).</summary>
    internal static string BigSource(int minLength, int seed)
    {
        var files = Repo.SourceFiles().Select(File.ReadAllText).ToList();
        var rng = new Random(seed);
        var sb = new StringBuilder();
        while (sb.Length < minLength) sb.Append(files[rng.Next(files.Count)]).Append('\n');
        return sb.ToString();
    }

    [Theory]
    [InlineData("@\"verbatim\nspanning\nmany lines \"\"with quotes\"\"\n\"")]
    [InlineData("\"\"\"\n  raw\n  \"a\" \"\"b\"\"\n  \"\"\"")]
    [InlineData("/* block\n comment\n * spanning lines */")]
    [InlineData("/** doc\n * comment */")]
    [InlineData("$@\"interpolated {x +\n y} verbatim\n text\"")]
    [InlineData("$$\"\"\"\n  {{a}} raw\n  interp {b}\n  \"\"\"")]
    public void A_multi_line_token_or_comment_across_a_window_boundary_lexes_as_in_one_go(string longToken)
    {
        const int window = 1024;
        string filler = "int a = b + c; // filler\n";
        // Put the multi-line token at every offset around the window boundary, at line starts and mid-line.
        for (int shift = 0; shift < 120; shift += 3)
        {
            var sb = new StringBuilder();
            while (sb.Length < window - 60 + shift) sb.Append(filler);
            sb.Append("var s = ").Append(longToken).Append("; int after;\n");
            while (sb.Length < 3 * window) sb.Append(filler);
            var text = sb.ToString();
            AssertSameAsOneGo(text, window);
            AssertSameAsOneGo(text.Replace("\n", "\r\n"), window);
        }
    }

    [Fact]
    public void A_string_longer_than_a_window_lexes_as_in_one_go()
    {
        var text = "int a;\nvar s = @\"" + new string('x', 3000) + "\n" + new string('y', 3000) + "\";\nint after;\n" + string.Concat(Enumerable.Repeat("int b;\n", 500));
        AssertSameAsOneGo(text, 1024);
        var comment = "int a;\n/*" + new string('x', 5000) + "*/ int after;\n" + string.Concat(Enumerable.Repeat("int b;\n", 500));
        AssertSameAsOneGo(comment, 1024);
        var lines = Lex(text);
        Assert.Equal(["int", "a", ";", "var", "s", "="], lines.Take(6).Select(t => t.Text));
        Assert.Equal(2 + 3000 + 1 + 3000 + 1, lines[6].Length); // @" x.. \n y.. "
    }

    [Fact]
    public void A_file_of_many_windows_lexes_as_in_one_go_for_any_window_size()
    {
        var text = BigSource(6 * CSharpLexer.DefaultWindow, seed: 7);
        Assert.True(text.Length > 5 * CSharpLexer.DefaultWindow);
        AssertSameAsOneGo(text, CSharpLexer.DefaultWindow);
        foreach (var w in new[] { 200, 517, 1000, 4096 }) AssertSameAsOneGo(text, w);
        Assert.Equal(OneGo(text), Lex(text));
    }

    [Fact]
    public void Every_source_file_of_this_repository_lexes_the_same_with_small_windows()
    {
        foreach (var path in Repo.SourceFiles())
        {
            var text = File.ReadAllText(path);
            foreach (var w in new[] { 300, 1500 }) AssertSameAsOneGo(text, w);
        }
    }

    [Fact]
    public void Lexing_from_a_token_start_gives_the_tail_of_the_full_lexing()
    {
        var text = BigSource(3 * CSharpLexer.DefaultWindow, seed: 3);
        var all = Lex(text);
        var rng = new Random(5);
        for (int n = 0; n < 40; n++)
        {
            int i = rng.Next(all.Count);
            if (all[i].Inner) continue;
            var tail = CSharpLexer.LexFrom(text, all[i].Start).ToList();
            Assert.Equal(all.Skip(i), tail);
        }
    }
}
