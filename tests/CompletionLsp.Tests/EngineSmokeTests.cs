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
