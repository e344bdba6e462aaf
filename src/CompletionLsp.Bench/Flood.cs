using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace CompletionLsp.Bench;

/// <summary>
/// Two benchmarks of the server under abuse (figures, not pass/fail):
/// <c>flood</c>: thousands of completion requests sent without waiting, every other one cancelled, then one more
/// request: how long does it wait? <c>large-doc</c>: RSS before, at the peak and after a huge document (one with
/// hundreds of thousands of distinct names) is opened, asked for a completion and closed, with the latency of a
/// request on another document meanwhile, and the vocabulary size before and after.
/// </summary>
public static class Flood
{
    public const string Text = "class Flood\n{\n    int counterOfThings;\n    void M()\n    {\n        counterOfThings++;\n        cou\n    }\n}\n";
    private const string Uri = "file:///bench/Flood.cs";

    public sealed record FloodResult(int Requests, int Cancelled, int Ok, int RequestCancelled, int Superseded, int OtherErrors, double DrainMs, double NextMs);

    public static async Task<FloodResult> RunFloodAsync(LspProcess lsp, int requests, int cancelEvery, int seed)
    {
        var rng = new Random(seed);
        var answers = new List<Task<(JsonElement Message, long At)>>(requests);
        int cancelled = 0;
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < requests; i++)
        {
            int id = lsp.NextId();
            answers.Add(lsp.Expect("n:" + id));
            lsp.WriteRaw(LspProcess.Frame(JsonSerializer.Serialize(new
            {
                jsonrpc = "2.0", id, method = "textDocument/completion",
                @params = new { textDocument = new { uri = Uri }, position = new { line = 6, character = rng.Next(8, 12) } },
            })));
            if (cancelEvery > 0 && i % cancelEvery == 0)
            {
                lsp.Notify("$/cancelRequest", new { id });
                cancelled++;
            }
        }
        // The next request, sent right after the flood: its latency is what a user feels after the burst.
        var (next, ms) = await lsp.Request("textDocument/completion", new { textDocument = new { uri = Uri }, position = new { line = 6, character = 11 } });
        await Task.WhenAll(answers).WaitAsync(TimeSpan.FromMinutes(5));
        double drain = sw.Elapsed.TotalMilliseconds;
        int ok = 0, rc = 0, cm = 0, other = 0;
        foreach (var a in answers)
        {
            var m = a.Result.Message;
            if (!m.TryGetProperty("error", out var e))
            {
                // A superseded request answers an empty list at once; the text always has completions here.
                if (m.GetProperty("result").GetProperty("items").GetArrayLength() == 0) cm++; else ok++;
                continue;
            }
            if (e.GetProperty("code").GetInt32() == -32800) rc++; else other++;
        }
        if (!next.TryGetProperty("result", out _)) other++;
        return new FloodResult(requests, cancelled, ok, rc, cm, other, drain, ms);
    }

    public static Command FloodCommand()
    {
        var requests = Common.Int("--requests", 5000, "completion requests per round, sent without waiting", 1);
        var cancelEvery = Common.Int("--cancel-every", 2, "cancel every N-th request at once ($/cancelRequest; 0: none)", 0);
        var rounds = Common.Int("--rounds", 3, "rounds of the flood", 1);
        var model = Common.Model();
        var server = Common.Server();
        var command = new Command("flood", """
            Sends thousands of completion requests without waiting (every N-th cancelled at once), then one more, and
            reports that one's latency, how long the flood took to drain, and how its requests were answered.
            """)
        {
            requests, cancelEvery, rounds, model, server,
        };
        command.Run(p => RunFloodCliAsync(Common.ServerPath(p.GetValue(server)), p.GetValue(model)?.FullName, p.GetValue(requests), p.GetValue(cancelEvery), p.GetValue(rounds)));
        return command;
    }

    private static async Task<int> RunFloodCliAsync(string server, string? model, int requests, int cancelEvery, int rounds)
    {
        await using var lsp = Start(server, model);
        await Initialize(lsp);
        lsp.Notify("textDocument/didOpen", new { textDocument = new { uri = Uri, languageId = "csharp", version = 1, text = Text } });
        await lsp.Request("textDocument/completion", new { textDocument = new { uri = Uri }, position = new { line = 6, character = 11 } });
        Console.WriteLine($"flood: {requests:N0} completion requests per round, every {cancelEvery}. cancelled{(model != null ? ", model " + model : ", no model")}");
        for (int r = 0; r < rounds; r++)
        {
            int logLines = lsp.Stderr.ToString().Split('\n').Length;
            var f = await RunFloodAsync(lsp, requests, cancelEvery, r);
            logLines = lsp.Stderr.ToString().Split('\n').Length - logLines;
            Console.WriteLine($"  round {r + 1}: next request answered in {f.NextMs:F1} ms; flood drained in {f.DrainMs:F0} ms: {f.Ok:N0} answered, " +
                $"{f.RequestCancelled:N0} RequestCancelled, {f.Superseded:N0} superseded (empty lists at once), {f.OtherErrors} other errors; {logLines} log lines");
        }
        if (Environment.GetEnvironmentVariable("COMPLETION_LSP_BENCH_LOG") is { Length: > 0 } log) File.WriteAllText(log, lsp.Stderr.ToString());
        return await lsp.ShutdownAsync();
    }

    /// <summary>A C# document of about <paramref name="chars"/> characters with a distinct name on every line.</summary>
    public static string LargeDocument(long chars)
    {
        var sb = new StringBuilder((int)Math.Min(int.MaxValue / 2, chars + 64));
        sb.Append("class Large\n{\n");
        for (int i = 0; sb.Length < chars; i++) sb.Append("    int distinctName").Append(i.ToString(CultureInfo.InvariantCulture)).Append(" = ").Append(i % 97).Append(";\n");
        sb.Append("}\n");
        return sb.ToString();
    }

    /// <summary>The documents large-doc opens when no --mb is given: 60 MiB, 4,000,000 characters twice, 1 MiB.</summary>
    private static readonly long[] DefaultSizes = [60L << 20, 4_000_000, 4_000_000, 1L << 20];

    public static Command LargeDocCommand()
    {
        var mb = new Option<double[]>("--mb")
        {
            Description = "size of a document in Mi characters; repeat for several, opened one at a time (default: 60, 3.8 (4,000,000 characters) twice, 1)",
            HelpName = "MIB",
        };
        mb.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<double[]>() is { } v && v.Any(x => !(x > 0 && x <= 1024))) r.AddError("--mb is a size above 0 and at most 1024");
        });
        var model = Common.Model();
        var server = Common.Server();
        var command = new Command("large-doc", """
            Opens one huge document at a time (a distinct name on every line), asks for a completion there and, right behind
            its didOpen, on another document; closes it and opens a dozen small ones in turn; reports RSS before, at the
            peak and after, managed heap and vocabulary size before, during and after, and the latencies.
            """)
        {
            mb, model, server,
        };
        command.Run(p =>
        {
            var sizes = (p.GetValue(mb) ?? []).Select(x => (long)(x * 1024 * 1024)).ToList();
            return RunLargeDocCliAsync(Common.ServerPath(p.GetValue(server)), p.GetValue(model)?.FullName, sizes);
        });
        return command;
    }

    private static async Task<int> RunLargeDocCliAsync(string server, string? model, List<long> sizes)
    {
        if (sizes.Count == 0) sizes.AddRange(DefaultSizes);
        await using var lsp = Start(server, model);
        await Initialize(lsp);
        const string other = "file:///bench/Other.cs";
        lsp.Notify("textDocument/didOpen", new { textDocument = new { uri = other, languageId = "csharp", version = 1, text = Text } });
        await lsp.Request("textDocument/completion", new { textDocument = new { uri = other }, position = new { line = 6, character = 11 } });
        Console.WriteLine($"large-doc: RSS and vocabulary around one huge document at a time{(model != null ? ", model " + model : ", no model")}");
        int k = 0;
        foreach (long size in sizes)
        {
            string text = LargeDocument(size);
            string uri = $"file:///bench/Large{k++}.cs";
            var before = await Memory(lsp);
            long rssBefore = lsp.RssKb();
            long peak = rssBefore;
            using var sampling = new CancellationTokenSource();
            var sampler = Task.Run(async () =>
            {
                while (!sampling.IsCancellationRequested) { peak = Math.Max(peak, lsp.RssKb()); await Task.Delay(5); }
            });
            var sw = Stopwatch.StartNew();
            lsp.Notify("textDocument/didOpen", new { textDocument = new { uri, languageId = "csharp", version = 1, text } });
            // A request on another document right behind the open: how long does it wait?
            var (_, otherMs) = await lsp.Request("textDocument/completion", new { textDocument = new { uri = other }, position = new { line = 6, character = 11 } });
            var (_, bigMs) = await lsp.Request("textDocument/completion", new { textDocument = new { uri }, position = new { line = 3, character = 8 } });
            double openMs = sw.Elapsed.TotalMilliseconds;
            var during = await Memory(lsp);
            lsp.Notify("textDocument/didClose", new { textDocument = new { uri } });
            // Other documents become active in turn, so the large one leaves the recent files too.
            for (int j = 0; j < 12; j++)
            {
                string u = $"file:///bench/Filler{j}.cs";
                lsp.Notify("textDocument/didOpen", new { textDocument = new { uri = u, languageId = "csharp", version = 1, text = Text } });
                await lsp.Request("textDocument/completion", new { textDocument = new { uri = u }, position = new { line = 6, character = 11 } });
                lsp.Notify("textDocument/didClose", new { textDocument = new { uri = u } });
            }
            var after = await Memory(lsp);
            sampling.Cancel();
            await sampler;
            long rssAfter = lsp.RssKb();
            Console.WriteLine($"  {text.Length / 1048576.0:F1} Mi chars: RSS before {rssBefore / 1024} MiB, peak {peak / 1024} MiB, after close {rssAfter / 1024} MiB " +
                $"({100.0 * (rssAfter - rssBefore) / rssBefore:+0;-0}%); managed {before.Managed >> 20} -> {during.Managed >> 20} -> {after.Managed >> 20} MiB; " +
                $"vocabulary {before.Vocabulary:N0} -> {during.Vocabulary:N0} -> {after.Vocabulary:N0}; open + first completion {openMs:F0} ms " +
                $"(the large one {bigMs:F0} ms), a request on another document meanwhile {otherMs:F0} ms");
        }
        return await lsp.ShutdownAsync();
    }

    private static async Task<(long Managed, int Vocabulary)> Memory(LspProcess lsp)
    {
        var (r, _) = await lsp.Request("completionLsp/test/memory", null);
        var res = r.GetProperty("result");
        return (res.GetProperty("managedBytes").GetInt64(), res.GetProperty("vocabulary").GetInt32());
    }

    private static LspProcess Start(string server, string? model) =>
        new(server, model != null ? ["--model", model] : [],
            new LspProcessOptions { Environment = new Dictionary<string, string> { ["COMPLETION_LSP_TEST_METHODS"] = "1" } });

    private static async Task Initialize(LspProcess lsp)
    {
        await lsp.Request("initialize", new { processId = Environment.ProcessId, rootUri = (string?)null, capabilities = new { } });
        lsp.Notify("initialized", new { });
    }
}
