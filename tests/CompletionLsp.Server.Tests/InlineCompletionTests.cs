using CompletionLsp.Server.Protocol;
using CompletionLsp.Server.Tests.Harness;

namespace CompletionLsp.Server.Tests;

public class InlineCompletionTests
{
    private const string WriteL = "using System;\nclass P\n{\n    static void Main()\n    {\n        Console.Error.WriteL$0\n    }\n}";
    private const string Dot = "using System;\nclass P\n{\n    static void Main()\n    {\n        Console.Error.$0\n    }\n}";

    [Fact]
    public async Task Invoked_gives_several_suggestions_for_the_rest_of_the_line()
    {
        var r = await Check.At(WriteL, Repo.SrcModelPath, triggerKind: InlineCompletionTriggerKind.Invoked);
        await using var _ = r.Client;
        Assert.InRange(r.Inline.Items.Length, 1, Handlers.InlineCompletionHandler.InvokedCount);
        foreach (var item in r.Inline.Items)
        {
            Assert.StartsWith("WriteL", item.InsertText);
            Assert.DoesNotContain('\n', item.InsertText);
            Assert.Equal(r.Caret, item.Range!.End);
            Assert.Equal(r.Caret with { Character = r.Caret.Character - "WriteL".Length }, item.Range.Start);
        }
        Assert.StartsWith("WriteLine(", r.Inline.Items[0].InsertText);
    }

    [Fact]
    public async Task Automatic_gives_at_most_one()
    {
        var r = await Check.At(Dot, Repo.SrcModelPath, triggerKind: InlineCompletionTriggerKind.Automatic);
        await using var _ = r.Client;
        Assert.Single(r.Inline.Items);
        Assert.Equal(r.Caret, r.Inline.Items[0].Range!.Start);
    }

    [Fact]
    public async Task A_selected_completion_item_is_extended_and_its_range_start_kept()
    {
        var (text, caret) = LspFixture.Parse(WriteL);
        var start = caret with { Character = caret.Character - "WriteL".Length };
        var r = await Check.At(WriteL, Repo.SrcModelPath, selected: new { range = new { start, end = caret }, text = "WriteLine" });
        await using var _ = r.Client;
        Assert.NotEmpty(r.Inline.Items);
        Assert.All(r.Inline.Items, i =>
        {
            Assert.StartsWith("WriteLine", i.InsertText);
            Assert.Equal(start, i.Range!.Start);
        });
        // A selected item the model cannot extend gives nothing rather than something that ignores the selection.
        var none = await r.Client.Inline(Check.Uri, caret, selected: new { range = new { start, end = caret }, text = "WriteLineNoSuchThing" });
        Assert.Empty(none.Items);
    }

    [Fact]
    public async Task Inline_enable_false_turns_only_inline_off()
    {
        var r = await Check.At(Dot, Repo.SrcModelPath, new { completionLsp = new { inline = new { enable = false } } });
        await using var _ = r.Client;
        Assert.Empty(r.Inline.Items);
        Assert.NotEmpty(r.List.Items);
    }

    [Fact]
    public async Task Inline_minProbability_decides_how_sure_ghost_text_must_be()
    {
        // No suggestion of a smoothed model has probability 1: with that threshold there is no ghost text at all.
        var sure = await Check.At(Dot, Repo.SrcModelPath, new { completionLsp = new { inline = new { minProbability = 1.0 } } });
        await using var c = sure.Client;
        Assert.Empty(sure.Inline.Items);
        Assert.NotEmpty(sure.List.Items); // the completion list does not depend on it
        // Lowered (as when the VS Code setting changes): ghost text at the same caret.
        await c.Notify(Methods.DidChangeConfiguration, new { settings = new { completionLsp = new { inline = new { minProbability = 0.01 } } } });
        var loose = await c.Inline(Check.Uri, sure.Caret);
        Assert.NotEmpty(loose.Items);
        await c.Notify(Methods.DidChangeConfiguration, new { settings = new { completionLsp = new { inline = new { minProbability = 1.0 } } } });
        Assert.Empty((await c.Inline(Check.Uri, sure.Caret)).Items);
    }

    [Fact]
    public async Task A_newer_request_for_the_same_document_supersedes_an_older_one()
    {
        var r = await Check.At(Dot, Repo.SrcModelPath);
        await using var c = r.Client;
        var many = Enumerable.Range(0, 20).Select(_ => c.Inline(Check.Uri, r.Caret)).ToList();
        var results = await Task.WhenAll(many);
        // All answer (superseded ones with an empty list, never an error); the last one is never superseded.
        Assert.NotEmpty(results[^1].Items);
    }
}
