using CompletionLsp.Bench;
using CompletionLsp.Core.Syntax;

namespace CompletionLsp.Reliability.Tests;

/// <summary>
/// The short edit soak (the long one is `completion-lsp-bench edit-soak`): seeded incremental edits against the real
/// server process, checked against a reference text after every edit, with completions in between and memory sampled.
/// </summary>
public sealed class EditSoakTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Three_thousand_edits_leave_no_desync_no_error_no_crash_and_flat_memory()
    {
        var r = await EditSoak.RunAsync(new EditSoakOptions { Edits = 3000, Seed = 7, Model = Repo.SmallModelPath, RssEvery = 250 });
        output.WriteLine("edit soak (3,000 edits, seed 7, model trained on src/CompletionLsp.Core), real server process:");
        output.WriteLine(r.Summary());
        output.WriteLine("RSS samples (edit: MiB): " + string.Join(", ", r.RssSamples.Select(s => $"{s.Edit}: {s.Kb / 1024.0:F0}")));
        foreach (var p in r.Problems) output.WriteLine("  " + p);

        Assert.Equal(0, r.Crashes);
        Assert.Equal(0, r.Desyncs);
        Assert.Equal(0, r.Errors);
        Assert.Equal(0, r.ProtocolViolations);
        Assert.Equal(0, r.ExitCode);
        Assert.Empty(r.Problems);
        Assert.Equal(3000, r.TextChecks);
        // Flat: what stays on the managed heap after a full collection, and the process's RSS, after the warm-up.
        Assert.True(r.HeapEndBytes - r.HeapStartBytes < 16 << 20, $"managed heap grew from {r.HeapStartBytes >> 20} to {r.HeapEndBytes >> 20} MiB");
        Assert.True(r.RssEndKb - r.RssStartKb < 96 * 1024, $"RSS grew from {r.RssStartKb >> 10} to {r.RssEndKb >> 10} MiB");
    }

    /// <summary>
    /// Roslyn interns every token's text in process-wide tables; an unterminated literal re-lexed on every keystroke
    /// is a new long string each time. Before the lexer cleared those tables, 1,500 such lexes kept about 60 MiB.
    /// </summary>
    [Fact]
    public void Relexing_an_unterminated_literal_per_keystroke_does_not_grow_the_heap()
    {
        Assert.True(RoslynStringTable.Available, "Roslyn's StringTable was not found: a Roslyn update renamed it; update RoslynStringTable");
        var pad = new string('a', 20_000);
        long Heap() { GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect(); return GC.GetTotalMemory(true); }
        foreach (var _ in CSharpLexer.Lex("class C { string s = @\"" + pad)) { }
        long before = Heap();
        for (int i = 0; i < 1500; i++)
            foreach (var _ in CSharpLexer.Lex("class C { string s = @\"" + pad + i)) { }
        long grown = Heap() - before;
        output.WriteLine($"heap growth after 1,500 lexes of a 20,000-character unterminated literal: {grown / 1048576.0:F1} MiB");
        Assert.True(grown < 12 << 20, $"the heap grew by {grown >> 20} MiB");
    }
}
