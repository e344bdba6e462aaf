using System.CommandLine;
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

    /// <summary>Every name <c>train --models</c> and the completionLsp.models setting accept.</summary>
    public static IEnumerable<string> AllModelNames => CountModels.Concat(NeuralKinds.All.Select(x => x.Name()));

    private static readonly NeuralOptions D = new();
    private static readonly Option<string> Device = DeviceOption("Where the neural models train: auto (CUDA when present), cpu, cuda or cuda:N.");
    private static readonly Option<double> TimeBudget = Opt.Double("--time-budget", DefaultTimeBudgetSeconds, 0, 1e9,
        "Seconds for all neural models together (0 = no limit: epochs and early stopping only).", "SECONDS");
    private static readonly Option<int> Epochs = Opt.Int("--epochs", D.Epochs, 1, 10_000, "Most epochs per neural model.");
    private static readonly Option<int> Embedding = Opt.Int("--embedding", D.Embedding, 1, 4096, "Neural: embedding size.");
    private static readonly Option<int> Hidden = Opt.Int("--hidden", D.Hidden, 1, 8192, "Neural: hidden size.");
    private static readonly Option<int> Layers = Opt.Int("--layers", D.Layers, 1, 4, "Neural: recurrent layers.");
    private static readonly Option<double> Dropout = Opt.Double("--dropout", D.Dropout, 0, 0.95, "Neural: dropout probability.", "P");
    private static readonly Option<int> Window = Opt.Int("--window", D.Window, 1, 64, "FFNN: context window in tokens.");
    private static readonly Option<int> Bptt = Opt.Int("--bptt", D.Bptt, 4, 4096, "Recurrent: tokens per truncated back-propagation step.");
    private static readonly Option<int> Batch = Opt.Int("--batch", D.BatchSize, 1, 4096, "Neural: sequences per batch.");
    private static readonly Option<double> LearningRate = Opt.Double("--lr", D.LearningRate, 1e-9, 100, "Neural: learning rate.");
    private static readonly Option<int> Seed = Opt.Int("--seed", D.Seed, int.MinValue, int.MaxValue, "Neural: random seed.");
    private static readonly Option<int> Threads = Opt.Int("--threads", 0, 0, 1024, "Neural: CPU threads (0 = libtorch's choice).");

    /// <summary>Options of <c>train</c> for the neural models.</summary>
    public static IReadOnlyList<Option> TrainOptions { get; } =
        [Device, TimeBudget, Epochs, Embedding, Hidden, Layers, Dropout, Window, Bptt, Batch, LearningRate, Seed, Threads];

    /// <summary>auto, cpu, cuda or cuda:N.</summary>
    public static bool IsDevice(string? v) =>
        v is "auto" or "cpu" or "cuda" || (v != null && v.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(v.AsSpan(5), out int n) && n >= 0);

    /// <summary>Builds the engine's static model from a bundle: the n-gram alone, or the n-gram mixed with the
    /// bundle's neural models, on the device COMPLETION_LSP_DEVICE names (default auto). For `complete` and eval.</summary>
    public static Func<ModelBundle, ILanguageModel>? Factory => static bundle => Serve(bundle, new ModelChoice(EnvironmentDevice), _ => { });

    /// <summary>The bundle's bidirectional re-ranker, when it has one (libtorch is loaded only then).</summary>
    public static Func<ModelBundle, IInfillScorer?>? InfillFactory => static bundle => ServeInfill(bundle, new ModelChoice(EnvironmentDevice), _ => { });

    /// <summary>COMPLETION_LSP_DEVICE, default auto: the device when no setting chooses one.</summary>
    public static string EnvironmentDevice => Environment.GetEnvironmentVariable("COMPLETION_LSP_DEVICE") ?? "auto";

    /// <summary>The static model the server serves: the models <paramref name="choice"/> names, on its device. CUDA asked
    /// for and absent: a warning, and the networks run on the CPU.</summary>
    public static ILanguageModel Serve(ModelBundle bundle, ModelChoice choice, Action<string> warn) =>
        NeuralModels.HasNeuralSections(bundle) ? OnDevice(choice, warn, "the neural models", d => CreateNeural(bundle, d, choice)) : bundle.NGram;

    /// <summary>The re-ranker when the file has one and <paramref name="choice"/> includes "bilstm".</summary>
    public static IInfillScorer? ServeInfill(ModelBundle bundle, ModelChoice choice, Action<string> warn) =>
        choice.Includes("bilstm") && NeuralModels.KindsIn(bundle).Contains(NeuralKind.BiLstm)
            ? OnDevice(choice, warn, "the re-ranker", d => CreateInfill(bundle, d)) : null;

    /// <summary>Builds on the chosen device (auto: COMPLETION_LSP_DEVICE, else auto); one the machine lacks is a warning, and the CPU.</summary>
    private static T OnDevice<T>(ModelChoice choice, Action<string> warn, string what, Func<string, T> build)
    {
        string device = choice.Device == "auto" ? EnvironmentDevice : choice.Device;
        try { return build(device); }
        catch (NeuralDeviceException e)
        {
            warn($"completionLsp.device: {e.Message} Serving {what} on the CPU.");
            return build("cpu");
        }
    }

    /// <summary>A --device option: auto, cpu, cuda or cuda:N.</summary>
    public static Option<string> DeviceOption(string description)
    {
        var o = new Option<string>("--device") { Description = description, DefaultValueFactory = _ => "auto" };
        o.Validators.Add(r => { if (r.GetValueOrDefault<string>() is var v && !IsDevice(v)) r.AddError($"option '--device' is auto, cpu, cuda or cuda:N, not '{v}'"); });
        return o;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static IInfillScorer? CreateInfill(ModelBundle bundle, string device) => NeuralModels.LoadReranker(bundle, device);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ILanguageModel CreateNeural(ModelBundle bundle, string device, ModelChoice choice) =>
        NeuralModels.CreateStaticModel(bundle, device, include: choice.Includes);

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
    public static (ModelBundle Bundle, List<string> Summary) Train(ModelBundle bundle, ParseResult a, IReadOnlyList<NeuralKind> kinds,
        ConsoleProgress progress, CancellationToken ct)
    {
        var d = new NeuralOptions();
        var o = d with
        {
            Embedding = a.GetValue(Embedding),
            Hidden = a.GetValue(Hidden),
            Layers = a.GetValue(Layers),
            Dropout = a.GetValue(Dropout),
            Window = a.GetValue(Window),
            Bptt = a.GetValue(Bptt),
            BatchSize = a.GetValue(Batch),
            LearningRate = a.GetValue(LearningRate),
            Seed = a.GetValue(Seed),
            Threads = a.GetValue(Threads),
            Epochs = a.GetValue(Epochs),
            Device = a.GetValue(Device)!,
        };
        // Ten minutes for all neural models unless told otherwise (0 = no limit: epochs and early stopping only).
        double budget = a.GetValue(TimeBudget);
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
