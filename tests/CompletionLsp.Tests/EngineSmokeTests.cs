namespace CompletionLsp.Tests;

public class EngineSmokeTests
{
    [Fact]
    public void Completes_a_name_written_earlier_in_the_document_from_its_prefix()
    {
        var list = Fixture.Complete("""
            class C
            {
                int counterOfThings;
                void M() { counterOfThings = 1; count$0 }
            }
            """);
        Assert.Equal("count", list.Prefix);
        Assert.Equal("counterOfThings", list.Items[0].Text);
    }

    [Fact]
    public void Offers_nothing_inside_a_comment()
    {
        var list = Fixture.Complete("class C { // a comment $0\n}");
        Assert.Empty(list.Items);
        Assert.Equal("inside a comment", list.SuppressedReason);
    }
}

public class DynamicWordTests
{
    [Fact]
    public void Prefixes_typed_and_deleted_take_no_probability_and_are_not_offered()
    {
        var engine = new CompletionLsp.Core.Engine.CompletionEngine();
        const string uri = "file:///typing.cs";
        string text = "class C { int zebraCount; void M() { } }";
        engine.Open(uri, text, 1);
        int at = text.IndexOf("{ }", StringComparison.Ordinal) + 2;
        // Type "zebraC" one character at a time, then delete it: every prefix was a word of the document once.
        foreach (var (c, i) in "zebraC".Select((c, i) => (c, i))) engine.Change(uri, at + i, 0, c.ToString(), 2 + i);
        engine.Change(uri, at, "zebraC".Length, "", 20);
        engine.Change(uri, at, 0, "ze", 21);
        var list = engine.Complete(uri, at + 2, 20);
        Assert.Contains(list.Items, i => i.Text == "zebraCount");
        Assert.DoesNotContain(list.Items, i => i.Text is "zeb" or "zebr" or "zebra" or "zebraC");
    }
}
