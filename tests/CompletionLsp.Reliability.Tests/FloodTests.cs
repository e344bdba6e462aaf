using CompletionLsp.Bench;

namespace CompletionLsp.Reliability.Tests;

/// <summary>Work nobody waits for is shed: cancelled requests and requests superseded by a newer one for the same
/// document are answered (RequestCancelled, an empty list) without running, and without a log line each. The
/// latency of the request after a flood is a benchmark figure (completion-lsp-bench flood), not asserted here.</summary>
public sealed class FloodTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_flood_of_completions_with_cancellations_is_shed_and_the_next_request_is_answered()
    {
        await using var lsp = Server.Start(Repo.SmallModelPath);
        await Server.Initialize(lsp);
        Server.Open(lsp, "file:///bench/Flood.cs", Flood.Text);
        Assert.NotEmpty(Server.Labels(await Server.Complete(lsp, "file:///bench/Flood.cs", 6, 11)));
        int logLines = lsp.Stderr.ToString().Split('\n').Length;
        var f = await Flood.RunFloodAsync(lsp, 3000, 2, 1).WaitAsync(TimeSpan.FromMinutes(3));
        logLines = lsp.Stderr.ToString().Split('\n').Length - logLines;
        output.WriteLine($"{f}; {logLines} log lines");
        Assert.Equal(3000, f.Ok + f.RequestCancelled + f.Superseded);
        Assert.Equal(0, f.OtherErrors);
        Assert.True(f.Superseded > 500, "superseded requests were run instead of shed");
        Assert.True(f.Ok < 300, $"{f.Ok} stale requests were run");
        Assert.True(logLines < 20, $"{logLines} log lines for one flood");
        // The request after the flood has a real answer.
        Assert.Contains("counterOfThings", Server.Labels(await Server.Complete(lsp, "file:///bench/Flood.cs", 6, 11)));
    }
}
