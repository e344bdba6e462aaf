using System.Diagnostics;
using System.Text.Json;
using CompletionLsp.Core.Corpus;
using CompletionLsp.Core.Engine;
using CompletionLsp.Core.Eval;
using CompletionLsp.Core.Models;
using CompletionLsp.Semantic;

namespace CompletionLsp.Cli;

/// <summary><c>eval --setting semantic</c>: the completion list with and without the semantic oracle, judged by Roslyn's own list.</summary>
public static class SemanticEval
{
    public static int Run(string dir, string modelPath, ModelBundle bundle, IReadOnlyList<TokenizedFile> test, int samples, bool json)
    {
        var sw = Stopwatch.StartNew();
        using var workspace = new SemanticWorkspace(dir);
        workspace.Loaded.Wait();
        double loadMs = sw.Elapsed.TotalMilliseconds;
        // The ranking's weights, for experiments (COMPLETION_LSP_PROXIMITY=4,2 COMPLETION_LSP_FIT=3 COMPLETION_LSP_FRESH=4).
        static double[]? Weights(string name) => Environment.GetEnvironmentVariable(name)?.Split(',')
            .Select(x => double.Parse(x, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var options = new EngineOptions();
        if (Weights("COMPLETION_LSP_PROXIMITY") is { } w) options = options with { ProximityWeights = w };
        if (Weights("COMPLETION_LSP_FIT") is [var fit]) options = options with { FitWeight = fit };
        if (Weights("COMPLETION_LSP_FRESH") is [var fresh]) options = options with { FreshWeight = fresh };
        var engine = new CompletionEngine(options, NeuralHook.Factory, NeuralHook.InfillFactory);
        engine.LoadModel(bundle, modelPath);
        engine.AttachSemantic(workspace);
        var reference = new RoslynReference(workspace);
        var r = SemanticEvaluator.Evaluate(engine, reference, dir, test, samples, [0, 1, 2],
            json ? null : (done, total) => { if (done % 100 == 0 || done == total) Console.Error.Write($"\r{done}/{total} positions"); },
            Environment.GetEnvironmentVariable("COMPLETION_LSP_TRACE_SEMANTIC") is "1" or "2" ? line => Console.Error.WriteLine(line) : null,
            traceEach: Environment.GetEnvironmentVariable("COMPLETION_LSP_TRACE_SEMANTIC") == "2");
        if (!json) Console.Error.WriteLine();
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                model = Path.GetFullPath(modelPath), testFiles = test.Count, projects = workspace.ProjectCount, documents = workspace.DocumentCount,
                loadMs = Math.Round(loadMs), afterDot = r.AfterDotPositions, bound = r.Bound,
                settings = r.Metrics.ToDictionary(s => s.Key, s => s.Value.ToDictionary(k => "K=" + k.Key, k => k.Value.ToDictionary(x => x.Key, x => x.Value.ToJson()))),
            }, new JsonSerializerOptions { WriteIndented = true }));
            return 0;
        }
        Console.WriteLine($"semantic: {workspace.ProjectCount} projects, {workspace.DocumentCount} files loaded in {loadMs / 1000:F1} s; " +
            $"{r.AfterDotPositions} positions after '.', the receiver bound at {r.Bound} ({(double)r.Bound / Math.Max(1, r.AfterDotPositions):P1})");
        Console.WriteLine("legal: the share of our top 5 that Roslyn's CompletionService lists at the caret (positions in its suggestion mode left out);");
        Console.WriteLine("missing: true word legal but not in our top 10. lm = the language model alone (punctuation listed, as before); semantic = legal names ranked by it.");
        Console.WriteLine($"{"setting",-9} {"K",2} {"positions",-20} {"n",6} {"hit@1",7} {"hit@5",7} {"MRR",6} {"legal@5",8} {"punct",6} {"missing",8}");
        foreach (var (name, byK) in r.Metrics)
            foreach (var (k, byKind) in byK.OrderBy(x => x.Key))
                foreach (var (kind, m) in byKind.OrderBy(x => x.Key == "all" ? "" : x.Key))
                    Console.WriteLine($"{name,-9} {k,2} {kind,-20} {m.Positions,6} {m.Hit1Rate,7:P1} {m.Hit5Rate,7:P1} {m.Mrr,6:F3} {m.Top5Legality,8:P1} {m.Punctuation,6} {m.LegalMissingRate,8:P1}");
        foreach (var (name, byK) in r.Metrics)
            foreach (var (k, byKind) in byK.OrderBy(x => x.Key))
                if (byKind.TryGetValue("all", out var m) && m.LatenciesMs.Count > 0)
                {
                    var l = Stats.Sorted(m.LatenciesMs);
                    Console.WriteLine($"latency {name,-9} K={k}: median {Stats.Percentile(l, 50):F2} ms, p90 {Stats.Percentile(l, 90):F2} ms, p99 {Stats.Percentile(l, 99):F2} ms (in-process, the oracle awaited without a budget)");
                }
        Console.WriteLine($"semantic queries: {workspace.SpeculativeQueries} from the warm snapshot, {workspace.FreshQueries} from a fresh compilation");
        return 0;
    }
}
