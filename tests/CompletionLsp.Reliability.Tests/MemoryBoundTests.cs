using System.Text;
using System.Text.Json;
using CompletionLsp.Bench;
using CompletionLsp.Core.Engine;
using CompletionLsp.Core.Models;

namespace CompletionLsp.Reliability.Tests;

/// <summary>
/// Memory has a bound and names are forgotten: words typed or opened after training are released when no open or
/// recent document holds them; a document over the size limit is never held. RSS figures (before, peak, after a
/// 60 MB document) are printed by `completion-lsp-bench large-doc`; here the managed heap and the vocabulary.
/// </summary>
public sealed class MemoryBoundTests(ITestOutputHelper output)
{
    private const string Small = "class Small\n{\n    int counterOfThings;\n    void M() { cou }\n}\n";

    [Fact]
    public void Dynamic_words_are_released_when_no_open_or_recent_document_holds_them()
    {
        var engine = new CompletionEngine();
        engine.LoadModel(ModelBundle.Load(Repo.SmallModelPath));
        var vocab = engine.Model.Vocabulary;
        int statics = vocab.StaticCount;
        engine.Open("file:///m/Big.cs", Flood.LargeDocument(CompletionEngine.MaxRecentFileChars + 1000), 1);
        int held = Words(vocab) - statics;
        Assert.True(held > 10_000, $"{held} dynamic words");
        // Typing a new name letter by letter leaves no prefixes behind.
        engine.Open("file:///m/Typing.cs", Small, 1);
        int withTyping = Words(vocab);
        for (int i = 0; i < 12; i++) engine.Change("file:///m/Typing.cs", Small.IndexOf("cou }") + 3 + i, 0, "abcdefghijkl"[i].ToString(), i + 2);
        Assert.Equal(withTyping, Words(vocab)); // "cou" gave its place to "couabcdefghijkl"; no prefix is left
        Assert.True(vocab.TryGetId("couabcdefghijkl", out _));
        Assert.False(vocab.TryGetId("couabcdef", out _));
        engine.Close("file:///m/Big.cs");
        // A large file is not kept among the recent files: its words go at once.
        Assert.Equal(withTyping - held, Words(vocab));
        // A small closed file stays among the recent files (its words with it) until enough others were edited.
        engine.Open("file:///m/Recent.cs", "class Recent { int recentOnlyName; void M() { recentOnlyName++; } }", 1);
        engine.Close("file:///m/Typing.cs");
        engine.Close("file:///m/Recent.cs");
        Assert.True(vocab.TryGetId("recentOnlyName", out _));
        for (int i = 0; i < engine.Options.RecentFiles + 1; i++)
        {
            engine.Open($"file:///m/F{i}.cs", Small, 1);
            engine.Change($"file:///m/F{i}.cs", 0, 0, " ", 2);
            engine.Close($"file:///m/F{i}.cs");
        }
        Assert.False(vocab.TryGetId("recentOnlyName", out _));
        Assert.False(vocab.TryGetId("couabcdefghijkl", out _));
        Assert.InRange(Words(vocab), statics, statics + 5); // only the names of Small.cs, held by the recent files
        // Ids are reused: a new document maps and completes as before.
        engine.Open("file:///m/Again.cs", "class Again { int againName; void M() { again } }", 1);
        var list = engine.Complete("file:///m/Again.cs", 45, 10);
        Assert.Contains(list.Items, c => c.Text == "againName");
    }

    [Fact]
    public void Roslyns_token_caches_are_found_so_that_they_can_be_emptied()
    {
        // Reflection on Roslyn's internals (TextKeyedCache's shared tables for tokens and trivia, SyntaxNodeCache): if
        // an update renames them, this fails, and a closed large document would leave its names there.
        Assert.Equal(3, CompletionLsp.Core.Syntax.RoslynStringTable.TokenCachesFound);
    }

    private static int Words(Vocabulary v) => v.StaticCount + v.DynamicCount;

    private static async Task<(long Managed, int Vocabulary, int Static)> Memory(LspProcess lsp)
    {
        var r = (await lsp.Request("completionLsp/test/memory", null)).Response.GetProperty("result");
        return (r.GetProperty("managedBytes").GetInt64(), r.GetProperty("vocabulary").GetInt32(), r.GetProperty("staticVocabulary").GetInt32());
    }

    [Fact]
    public async Task After_a_large_document_is_closed_the_server_gives_back_its_memory_and_its_words()
    {
        await using var lsp = Server.Start(Repo.SmallModelPath);
        await Server.Initialize(lsp);
        Server.Open(lsp, "file:///m/Other.cs", Small);
        Assert.Contains("counterOfThings", Server.Labels(await Server.Complete(lsp, "file:///m/Other.cs", 3, 17)));
        // Once, so that one-time allocations (code paths, pools) are in the baseline.
        Server.Open(lsp, "file:///m/Warm.cs", Flood.LargeDocument(1_500_000));
        lsp.Notify("textDocument/didClose", new { textDocument = new { uri = "file:///m/Warm.cs" } });
        var before = await Memory(lsp);
        Server.Open(lsp, "file:///m/Big.cs", Flood.LargeDocument(1_500_000));
        Assert.NotEqual(System.Text.Json.JsonValueKind.Undefined, (await Server.Complete(lsp, "file:///m/Big.cs", 3, 8)).ValueKind);
        var during = await Memory(lsp);
        lsp.Notify("textDocument/didClose", new { textDocument = new { uri = "file:///m/Big.cs" } });
        var after = await Memory(lsp);
        output.WriteLine($"managed {before.Managed >> 20} -> {during.Managed >> 20} -> {after.Managed >> 20} MiB; vocabulary {before.Vocabulary:N0} -> {during.Vocabulary:N0} -> {after.Vocabulary:N0}");
        Assert.True(during.Vocabulary > before.Vocabulary + 10_000);
        Assert.Equal(before.Vocabulary, after.Vocabulary);
        Assert.True(during.Managed - before.Managed > 50L << 20, "the document should take memory while open");
        Assert.True(after.Managed < before.Managed + (during.Managed - before.Managed) / 5, "less than 80% of the document's memory was given back");
    }

    [Fact]
    public async Task A_document_message_over_the_limit_is_skipped_as_it_arrives_reported_and_never_answered_from()
    {
        await using var lsp = Server.Start(Repo.SmallModelPath);
        await Server.Initialize(lsp);
        Server.Open(lsp, "file:///m/Other.cs", Small);
        var before = await Memory(lsp);
        const string huge = "file:///m/Huge.cs";
        Server.Open(lsp, huge, Flood.LargeDocument(40L << 20)); // 40 MiB: over the 32 MiB message limit
        var shown = await Server.WaitFor(lsp, "window/showMessage", p => p.GetProperty("message").GetString()!.Contains(huge), 60);
        Assert.Contains("too large", shown.GetProperty("message").GetString());
        Assert.Empty((await Server.Complete(lsp, huge, 3, 8)).GetProperty("items").EnumerateArray());
        Assert.Contains("counterOfThings", Server.Labels(await Server.Complete(lsp, "file:///m/Other.cs", 3, 17)));
        var after = await Memory(lsp);
        output.WriteLine($"managed {before.Managed >> 20} -> {after.Managed >> 20} MiB");
        Assert.True(after.Managed < before.Managed + (16L << 20), "the huge message was held");
        // An edit of an open document that is over the limit: no stale answers either.
        Server.Open(lsp, "file:///m/Grows.cs", Small);
        lsp.Notify("textDocument/didChange", new { textDocument = new { uri = "file:///m/Grows.cs", version = 2 }, contentChanges = new[] { new { text = Flood.LargeDocument(40L << 20) } } });
        await Server.WaitFor(lsp, "window/showMessage", p => p.GetProperty("message").GetString()!.Contains("Grows.cs"), 60);
        Assert.Empty((await Server.Complete(lsp, "file:///m/Grows.cs", 3, 17)).GetProperty("items").EnumerateArray());
    }
}
