using CompletionLsp.Core.Engine;
using CompletionLsp.Core.Models;

namespace CompletionLsp.Tests;

public class CaretContextTests
{
    private static readonly Vocabulary Empty = new([], []);

    private static (CaretContext Context, DocumentState Doc, int Offset) At(string fixture)
    {
        var (text, offset) = Fixture.Parse(fixture);
        var doc = new DocumentState(text, Empty, 4);
        return (doc.GetCaretContext(offset), doc, offset);
    }

    /// <summary>The text of the token before the typed prefix (what the model conditions on last), or null at the start.</summary>
    private static string? LastTokenBefore(CaretContext c, DocumentState d) => c.TokensBefore > 0 ? d.Tokens[c.TokensBefore - 1].Text : null;

    [Fact]
    public void Inside_an_identifier_the_prefix_is_its_start_and_the_whole_word_is_replaced()
    {
        var (c, d, offset) = At("void M() { var x = coun$0terOfThings; }");
        Assert.False(c.Suppressed);
        Assert.Equal("coun", c.Prefix);
        Assert.Equal(offset - 4, c.ReplaceStart);
        Assert.Equal(offset - 4 + "counterOfThings".Length, c.ReplaceEnd);
        Assert.Equal("=", LastTokenBefore(c, d));
    }

    [Fact]
    public void At_the_end_of_an_identifier_or_keyword_the_prefix_is_the_whole_word()
    {
        var (c, d, offset) = At("void M() { retu$0");
        Assert.Equal("retu", c.Prefix);
        Assert.Equal(offset, c.ReplaceEnd);
        Assert.Equal("{", LastTokenBefore(c, d));

        (c, _, _) = At("public sealed$0");
        Assert.Equal("sealed", c.Prefix);
    }

    [Fact]
    public void After_a_dot_the_prefix_is_empty_and_the_dot_is_the_last_context_token()
    {
        var (c, d, offset) = At("var n = list.$0");
        Assert.False(c.Suppressed);
        Assert.Equal("", c.Prefix);
        Assert.Equal(offset, c.ReplaceStart);
        Assert.Equal(".", LastTokenBefore(c, d));

        (c, d, _) = At("var n = list.Co$0");
        Assert.Equal("Co", c.Prefix);
        Assert.Equal(".", LastTokenBefore(c, d));

        // Before a word that follows the caret: nothing typed yet, but the word would be replaced.
        (c, d, offset) = At("var n = list.$0Count;");
        Assert.Equal("", c.Prefix);
        Assert.Equal(offset + "Count".Length, c.ReplaceEnd);
        Assert.Equal(".", LastTokenBefore(c, d));
    }

    [Fact]
    public void Between_tokens_the_context_is_every_token_before_the_caret()
    {
        var (c, d, _) = At("int a;   $0  int b;");
        Assert.Equal(3, c.TokensBefore);
        Assert.Equal(";", LastTokenBefore(c, d));
        (c, _, _) = At("$0int a;");
        Assert.Equal(0, c.TokensBefore);
        Assert.Equal("", c.Prefix);
    }

    [Theory]
    [InlineData("int a; // comment $0 here\nint b;")]
    [InlineData("int a; // comment at the end$0")]
    [InlineData("int a; /* block $0 comment */ int b;")]
    [InlineData("int a; /* unterminated $0")]
    [InlineData("/// <summary>doc $0</summary>\nint b;")]
    [InlineData("$0// the first line is a comment")]
    public void Inside_a_comment_completion_is_suppressed(string fixture)
    {
        var (c, _, _) = At(fixture);
        if (fixture.StartsWith("$0"))
        {
            // Before the comment starts, the caret is not in it.
            Assert.False(c.Suppressed);
            return;
        }
        Assert.True(c.Suppressed);
        Assert.Equal("inside a comment", c.SuppressReason);
    }

    [Theory]
    [InlineData("var s = \"abc$0def\";")]
    [InlineData("var s = \"unterminated $0")]
    [InlineData("var s = \"unterminated at the end$0")]
    [InlineData("var s = @\"verbatim\n line $0 two\";")]
    [InlineData("var s = \"\"\"\n raw $0\n \"\"\";")]
    [InlineData("var c = 'a$0';")]
    [InlineData("var c = 'a$0")]
    [InlineData("var s = $\"text $0 {x}\";")]
    [InlineData("var n = 12$03;")]
    public void Inside_a_string_char_or_number_literal_completion_is_suppressed(string fixture)
    {
        var (c, _, _) = At(fixture);
        Assert.True(c.Suppressed);
        Assert.Equal("inside a literal", c.SuppressReason);
    }

    [Fact]
    public void After_a_closed_literal_or_in_an_interpolation_hole_completion_applies()
    {
        var (c, d, _) = At("var s = \"abc\"$0");
        Assert.False(c.Suppressed);
        Assert.Equal("\"abc\"", LastTokenBefore(c, d));

        (c, d, _) = At("var s = $\"a{val$0}\";");
        Assert.False(c.Suppressed);
        Assert.Equal("val", c.Prefix);
        Assert.Equal("{", LastTokenBefore(c, d));

        (c, _, _) = At("var c = 'x'$0;");
        Assert.False(c.Suppressed);
    }

    [Theory]
    [InlineData("#region Fie$0lds\nint a;")]
    [InlineData("int a;\n  #if DEB$0")]
    [InlineData("int a;\n#pragma warning disable $0\nint b;")]
    [InlineData("#nullable $0")]
    public void Inside_a_preprocessor_directive_completion_is_suppressed(string fixture)
    {
        var (c, _, _) = At(fixture);
        Assert.True(c.Suppressed);
        Assert.Equal("inside a preprocessor directive", c.SuppressReason);
    }

    [Fact]
    public void Inside_an_operator_completion_is_suppressed_but_after_it_applies()
    {
        var (c, _, _) = At("if (a =$0= b)");
        Assert.True(c.Suppressed);
        (c, var d, _) = At("if (a ==$0 b)");
        Assert.False(c.Suppressed);
        Assert.Equal("==", LastTokenBefore(c, d));
    }

    [Fact]
    public void Positions_past_either_end_clamp_to_the_document()
    {
        var doc = new DocumentState("int abc", Empty, 4);
        var end = doc.GetCaretContext(doc.Text.Length);
        Assert.Equal(end, doc.GetCaretContext(doc.Text.Length + 100));
        Assert.Equal(end, doc.GetCaretContext(int.MaxValue));
        Assert.Equal("abc", end.Prefix);
        var start = doc.GetCaretContext(0);
        Assert.Equal(start, doc.GetCaretContext(-5));
        Assert.Equal(start, doc.GetCaretContext(int.MinValue));
        Assert.Equal(0, start.TokensBefore);

        var empty = new DocumentState("", Empty, 4);
        var c = empty.GetCaretContext(10);
        Assert.Equal(0, c.TokensBefore);
        Assert.False(c.Suppressed);
    }
}
