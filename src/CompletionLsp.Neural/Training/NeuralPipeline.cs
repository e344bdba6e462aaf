using System.Diagnostics;
using CompletionLsp.Core.Corpus;
using CompletionLsp.Core.Models;
using CompletionLsp.Neural.Data;
using CompletionLsp.Neural.Inference;

namespace CompletionLsp.Neural.Training;

public sealed record NeuralPipelineReport(
    IReadOnlyList<NeuralTrainReport> Models,
    IReadOnlyDictionary<string, double> Weights,
    /// <summary>Held-out bits/token of each component on the validation files, and of the fitted mixture ("mixture").</summary>
    IReadOnlyDictionary<string, double> ValidationBits,
    int TrainFiles, int ValidationFiles, long ValidationTokens, double Seconds);

/// <summary>
/// Trains neural models into a bundle whose n-gram is already built, on the same files: carves a validation split
/// from the training files (deterministic: FNV-1a of the path mod 10 == 1), trains each model on the rest (early
/// stopping on the validation files), fits the mixture weights by EM on the validation files (the n-gram side from
/// an n-gram built without them, so that it is as held-out as the neural models), and stores each model's section
/// and the weights in a new bundle.
/// </summary>
public static class NeuralPipeline
{
    public static (List<TokenizedFile> Fit, List<TokenizedFile> Valid) SplitValidation(IReadOnlyList<TokenizedFile> files)
    {
        var valid = files.Where(f => Split.IsValidation(f.RelativePath)).ToList();
        var fit = files.Where(f => !Split.IsValidation(f.RelativePath)).ToList();
        if (valid.Count == 0 || fit.Count == 0)
        {
            // Small repositories: every tenth file, or (one file) the file itself.
            valid = files.Where((_, i) => i % 10 == 1).ToList();
            fit = files.Where((_, i) => i % 10 != 1).ToList();
            if (valid.Count == 0) valid = files.ToList();
            if (fit.Count == 0) fit = files.ToList();
        }
        return (fit, valid);
    }

    /// <param name="totalBudgetSeconds">Wall-clock seconds for training all the models (shared out as they go; 0 = none).</param>
    public static (ModelBundle Bundle, NeuralPipelineReport Report) Train(ModelBundle bundle, IReadOnlyList<TokenizedFile> files,
        IReadOnlyList<NeuralKind> kinds, NeuralOptions options, double totalBudgetSeconds = 0,
        IProgress<NeuralProgress>? progress = null, CancellationToken ct = default)
    {
        if (kinds.Count == 0) throw new ArgumentException("no neural models to train");
        var sw = Stopwatch.StartNew();
        var vocab = bundle.Vocabulary;
        var (fit, valid) = SplitValidation(files);
        var fitIds = fit.Select(f => TokenData.FileIds(vocab, f)).ToList();
        var validIds = valid.Select(f => TokenData.FileIds(vocab, f)).ToList();

        var sections = new Dictionary<string, byte[]>(bundle.ExtraSections);
        var reports = new List<NeuralTrainReport>();
        var probs = new List<(string Name, double[] P)>();
        var order = kinds.Distinct().ToList();
        for (int i = 0; i < order.Count; i++)
        {
            var kind = order[i];
            var o = options;
            if (totalBudgetSeconds > 0)
            {
                double left = Math.Max(1, totalBudgetSeconds - sw.Elapsed.TotalSeconds);
                o = o with { TimeBudgetSeconds = left / (order.Count - i) };
            }
            using var trained = NeuralTrainer.Train(kind, vocab, fitIds, validIds, o, progress, ct);
            reports.Add(trained.Report);
            sections[kind.Tag()] = trained.Section;
            if (kind.IsLeftToRight())
            {
                var t0 = sw.Elapsed;
                var per = Scoring.ScoreFiles(trained.Net, validIds, Native.Devices.Resolve(o.Device), ct: ct);
                probs.Add((kind.Name(), per.SelectMany(p => p).ToArray()));
                progress?.Report(new NeuralProgress(kind.Name(), 0, 0, 0, double.NaN, 0, sw.Elapsed, null,
                    $"scored the validation files for the mixture in {(sw.Elapsed - t0).TotalSeconds:F1} s"));
            }
        }

        var weights = new Dictionary<string, double>();
        var bits = new Dictionary<string, double>();
        if (probs.Count > 0)
        {
            // The n-gram side, held out: built from the training files without the validation files.
            // (NGramBuilder frames each file itself: the ids without FileIds' <s> and </s>.)
            var heldOut = new NGramModel(vocab, NGramBuilder.Build(fitIds.Select(f => f[1..^1]), bundle.NGram.Options.Order, vocab.Count, ct), bundle.NGram.Options);
            var ng = new List<double>();
            foreach (var ids in validIds)
                for (int t = 1; t < ids.Length; t++) ng.Add(heldOut.Probability(ids.AsSpan(0, t), ids[t]));
            probs.Insert(0, ("ngram", ng.ToArray()));
            progress?.Report(new NeuralProgress("mixture", 0, 0, 0, double.NaN, 0, sw.Elapsed, null, "fitting the mixture weights (EM)"));
            // EM converges slowly when the optimum is on the boundary (a component's weight -> 0): many iterations,
            // and a single component wins when it is better still.
            var w = MixtureModel.FitWeights(probs.Select(p => p.P).ToList(), iterations: 500);
            double mixBits = Bits(Mix(probs.Select(p => p.P).ToList(), w));
            for (int i = 0; i < probs.Count; i++)
                if (Bits(probs[i].P) < mixBits)
                {
                    mixBits = Bits(probs[i].P);
                    w = Enumerable.Range(0, probs.Count).Select(j => j == i ? 1.0 : 0.0).ToArray();
                }
            for (int i = 0; i < probs.Count; i++)
            {
                weights[probs[i].Name] = w[i];
                bits[probs[i].Name] = Bits(probs[i].P);
            }
            bits["mixture"] = mixBits;
        }

        var info = bundle.Info with
        {
            Models = bundle.Info.Models.Concat(order.Select(k => k.Name())).Distinct().ToArray(),
        };
        var result = new ModelBundle
        {
            Vocabulary = bundle.Vocabulary, NGram = bundle.NGram, Cache = bundle.Cache, Spacing = bundle.Spacing, Info = info,
            MixtureWeights = weights.Count > 0 ? weights : new Dictionary<string, double>(bundle.MixtureWeights),
            ExtraSections = sections,
        };
        return (result, new NeuralPipelineReport(reports, weights, bits, fit.Count, valid.Count,
            validIds.Sum(v => (long)v.Length - 1), sw.Elapsed.TotalSeconds));
    }

    private static double[] Mix(IReadOnlyList<double[]> probs, double[] w)
    {
        var mix = new double[probs[0].Length];
        for (int i = 0; i < probs.Count; i++)
            for (int t = 0; t < mix.Length; t++) mix[t] += w[i] * probs[i][t];
        return mix;
    }

    private static double Bits(double[] p)
    {
        double s = 0;
        foreach (var x in p) s -= Math.Log2(Math.Max(x, 1e-300));
        return p.Length == 0 ? double.NaN : s / p.Length;
    }
}
