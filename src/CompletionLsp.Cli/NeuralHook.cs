using System.Runtime.CompilerServices;
using CompletionLsp.Core.Corpus;
using CompletionLsp.Core.Models;
using CompletionLsp.Core.Training;
using CompletionLsp.Neural;
using CompletionLsp.Neural.Inference;
using CompletionLsp.Neural.Native;
using CompletionLsp.Neural.Training;

namespace CompletionLsp.Cli;

/// <summary>
/// Where neural models plug into the CLI and server. Nothing here loads libtorch unless a neural model is trained
/// or a model file has neural sections: the checks that come first read section tags only, and every use of the
/// neural runtime sits in a separate, non-inlined method.
/// </summary>
public static class NeuralHook
{
    /// <summary>Names accepted by <c>train --models</c>: the count models and the neural ones.</summary>
    public static readonly string[] CountModels = ["ngram", "cache"];

    public const double DefaultTimeBudgetSeconds = 600;

    /// <summary>Options of <c>train</c> for the neural models (besides --models, --device, --time-budget, --epochs).</summary>
    public static readonly IReadOnlySet<string> TrainOptions = new HashSet<string>
        { "--embedding", "--hidden", "--layers", "--dropout", "--window", "--bptt", "--batch", "--lr", "--seed", "--threads" };

    /// <summary>Builds the engine's static model from a bundle: the n-gram alone, or the n-gram mixed with the
    /// bundle's neural models (device from COMPLETION_LSP_DEVICE, default auto).</summary>
    public static Func<ModelBundle, ILanguageModel>? Factory => static bundle =>
        NeuralModels.HasNeuralSections(bundle) ? CreateNeural(bundle, ServingDevice) : bundle.NGram;

    /// <summary>The bundle's bidirectional re-ranker, when it has one (libtorch is loaded only then).</summary>
    public static Func<ModelBundle, IInfillScorer?>? InfillFactory => static bundle =>
        NeuralModels.KindsIn(bundle).Contains(NeuralKind.BiLstm) ? CreateInfill(bundle, ServingDevice) : null;

    /// <summary>Where the server and `complete` run neural models: COMPLETION_LSP_DEVICE, default auto.</summary>
    private static string ServingDevice => Environment.GetEnvironmentVariable("COMPLETION_LSP_DEVICE") ?? "auto";

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static IInfillScorer? CreateInfill(ModelBundle bundle, string device) => NeuralModels.LoadReranker(bundle, device);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ILanguageModel CreateNeural(ModelBundle bundle, string device) => NeuralModels.CreateStaticModel(bundle, device);

    /// <summary>The neural models named in a --models list (count model names are accepted and skipped).</summary>
    public static List<NeuralKind> ParseModels(string? spec)
    {
        var kinds = new List<NeuralKind>();
        if (string.IsNullOrWhiteSpace(spec)) return kinds;
        foreach (var raw in spec.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (CountModels.Contains(raw, StringComparer.OrdinalIgnoreCase)) continue;
            if (!NeuralKinds.TryParse(raw, out var k))
                throw new UsageException($"unknown model '{raw}' in --models (choose from {string.Join(", ", CountModels.Concat(NeuralKinds.All.Select(x => x.Name())))})");
            if (!kinds.Contains(k)) kinds.Add(k);
        }
        return kinds;
    }

    /// <summary>Trains the neural models on the bundle's training files, fits the mixture weights, and returns the
    /// new bundle and summary lines.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static (ModelBundle Bundle, List<string> Summary) Train(ModelBundle bundle, Args a, IReadOnlyList<NeuralKind> kinds,
        ConsoleProgress progress, CancellationToken ct)
    {
        var d = new NeuralOptions();
        var o = d with
        {
            Embedding = a.Int("--embedding", d.Embedding, 1, 4096),
            Hidden = a.Int("--hidden", d.Hidden, 1, 8192),
            Layers = a.Int("--layers", d.Layers, 1, 4),
            Dropout = a.Double("--dropout", d.Dropout),
            Window = a.Int("--window", d.Window, 1, 64),
            Bptt = a.Int("--bptt", d.Bptt, 4, 4096),
            BatchSize = a.Int("--batch", d.BatchSize, 1, 4096),
            LearningRate = a.Double("--lr", d.LearningRate),
            Seed = a.Int("--seed", d.Seed),
            Threads = a.Int("--threads", 0, 0, 1024),
            Epochs = a.Int("--epochs", d.Epochs, 1, 10_000),
            Device = a.Get("--device") ?? "auto",
        };
        // Ten minutes for all neural models unless told otherwise (0 = no limit: epochs and early stopping only).
        double budget = a.Double("--time-budget", DefaultTimeBudgetSeconds);
        if (budget < 0) throw new UsageException("--time-budget is a number of seconds (0 = none)");
        try { o.Validate(); }
        catch (ArgumentOutOfRangeException e) { throw new UsageException(e.Message); }

        // The same training files as the n-gram: the repository's train split (all files with --all-files).
        var corpus = Trainer.LoadCorpus(bundle.Info.SourceRoot, new WalkOptions(), null, ct);
        List<TokenizedFile> files = bundle.Info.AllFiles ? corpus.Train.Concat(corpus.Test).ToList() : corpus.Train;
        var sw = System.Diagnostics.Stopwatch.StartNew();
        ModelBundle result;
        NeuralPipelineReport report;
        try
        {
            (result, report) = NeuralPipeline.Train(bundle, files, kinds, o, budget, new InlineProgress<NeuralProgress>(p =>
            {
                if (p.Note != null) { progress.Report(p.Model, 0, 0, $"{p.Note} [{p.Elapsed.TotalSeconds:F0} s]", p.Elapsed, true); return; }
                string eta = p.Eta is { } e ? $" ETA {e:mm\\:ss}" : "";
                progress.Report(p.Model, 0, 0,
                    $"epoch {p.Epoch} batch {p.Batch}/{p.BatchesPerEpoch} loss {p.Loss:F3} bits, {p.TokensPerSecond:N0} tokens/s{eta}", p.Elapsed);
            }), ct);
        }
        catch (NeuralDeviceException e) { throw new UsageException(e.Message); }
        progress.Done();
        var lines = new List<string>();
        foreach (var r in report.Models)
            lines.Add($"  {r.Model,-12} {r.TokensSeen:N0} tokens, {r.Epochs} epoch(s), {r.TokensPerSecond:N0} tokens/s, " +
                      $"validation {r.BestValidBitsPerToken:F3} bits/token, {r.Parameters:N0} parameters on {r.Device} with {r.Threads} thread(s) ({r.StopReason}, {r.Seconds:F0} s)");
        lines.Add($"  validation   {report.ValidationFiles} files, {report.ValidationTokens:N0} tokens held out of {report.TrainFiles + report.ValidationFiles} (FNV-1a(path) mod 10 == 1)");
        if (report.Weights.Count > 0)
        {
            lines.Add($"  mixture      {string.Join(", ", report.Weights.Select(kv => $"{kv.Key} {kv.Value:F3}"))} (EM on the validation files)");
            lines.Add($"  held-out     {string.Join(", ", report.ValidationBits.Select(kv => $"{kv.Key} {kv.Value:F3}"))} bits/token");
        }
        return (result, lines);
    }

    /// <summary>For eval: each model alone by name ("ngram", neural models) and, with neural models, the mixture.
    /// Without neural sections: the n-gram alone, and libtorch is never loaded.</summary>
    public static List<(string Name, ILanguageModel Model)> EvalModels(ModelBundle bundle, string device, string path)
    {
        if (!NeuralModels.HasNeuralSections(bundle)) return [("ngram", bundle.NGram)];
        return EvalNeuralModels(bundle, device, path);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static List<(string Name, ILanguageModel Model)> EvalNeuralModels(ModelBundle bundle, string device, string path)
    {
        try
        {
            var parts = NeuralModels.Components(bundle, device, path);
            var list = parts.Select(p => (p.Name, p.Model)).ToList();
            var weighted = parts.Where(p => p.Weight > 0).ToList();
            if (weighted.Count > 1) list.Add(("mixture", new MixtureModel(weighted.Select(p => p.Model).ToList(), weighted.Select(p => p.Weight).ToList())));
            return list;
        }
        catch (NeuralDeviceException e) { throw new UsageException(e.Message); }
    }

    /// <summary>All models and settings in one pass over the test files.</summary>
    public static Dictionary<string, Dictionary<string, Core.Eval.EvalResult>> EvalJoint(IReadOnlyList<(string Name, ILanguageModel Model)> models,
        IReadOnlyList<TokenizedFile> test, CacheOptions cache, bool wantStatic, bool wantDynamic)
    {
        var r = JointEvaluator.Evaluate(models, test, cache, wantStatic, wantDynamic);
        long tokens = test.Sum(f => f.Tokens.Length + 1L);
        foreach (var (name, m) in models)
            if (m is NeuralLanguageModel n)
                Console.Error.WriteLine($"{name}: {n.TokensRun:N0} tokens run through the network for {tokens:N0} predictions ({n.CacheHits:N0} cached answers)");
        return r;
    }

    /// <summary>The infill setting, when the bundle has a bidirectional model: base = the n-gram's top 10.</summary>
    public static InfillResult? EvalInfill(ModelBundle bundle, IReadOnlyList<TokenizedFile> test, string device, string path) =>
        NeuralModels.KindsIn(bundle).Contains(NeuralKind.BiLstm) ? EvalInfillNeural(bundle, test, device, path) : null;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static InfillResult EvalInfillNeural(ModelBundle bundle, IReadOnlyList<TokenizedFile> test, string device, string path)
    {
        try
        {
            using var rr = NeuralModels.LoadReranker(bundle, device, path)!;
            return InfillEvaluator.Evaluate(bundle.NGram, rr, test);
        }
        catch (NeuralDeviceException e) { throw new UsageException(e.Message); }
    }

    /// <summary>Lines for `info` about the neural sections (reads headers only).</summary>
    public static IEnumerable<string> Describe(ModelBundle bundle, string path) =>
        NeuralModels.KindsIn(bundle).Select(k => $"neural       {NeuralModels.Describe(bundle, k, path)}");
}
