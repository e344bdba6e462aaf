using System.Runtime.CompilerServices;
using CompletionLsp.Core.Models;
using CompletionLsp.Neural.Inference;
using CompletionLsp.Neural.Native;
using CompletionLsp.Neural.Nets;
using CompletionLsp.Neural.Storage;

namespace CompletionLsp.Neural;

/// <summary>
/// Neural models stored in a <see cref="ModelBundle"/>: finding them (without touching TorchSharp), loading them,
/// and building the static model the engine answers with (the n-gram interpolated with the neural models by the
/// bundle's <see cref="ModelBundle.MixtureWeights"/>). libtorch is loaded only when a bundle has neural sections.
/// </summary>
public static class NeuralModels
{
    /// <summary>The neural models a bundle holds, by their section tags. Does not load TorchSharp.</summary>
    public static IReadOnlyList<NeuralKind> KindsIn(ModelBundle bundle) =>
        NeuralKinds.All.Where(k => bundle.ExtraSections.ContainsKey(k.Tag())).ToList();

    public static bool HasNeuralSections(ModelBundle bundle) => KindsIn(bundle).Count > 0;

    /// <summary>Header facts of a neural section (no TorchSharp): for `info`.</summary>
    public static string Describe(ModelBundle bundle, NeuralKind kind, string path = "model")
    {
        var (shape, stats) = NeuralSection.ReadHeader(path, kind.Tag(), bundle.ExtraSections[kind.Tag()], bundle.Vocabulary);
        string arch = kind == NeuralKind.Ffnn
            ? $"window {shape.Window}, embedding {shape.Embedding}, hidden {shape.Hidden}"
            : $"embedding {shape.Embedding}, {shape.Layers} x {shape.Hidden}{(kind == NeuralKind.BiLstm ? " per direction" : "")}";
        return $"{kind.Name()}: {arch}, dropout {shape.Dropout}; {stats.TokensSeen:N0} tokens in {stats.Epochs} epoch(s), " +
               $"{stats.Seconds:F0} s, validation {stats.BestValidBits:F3} bits/token";
    }

    /// <summary>Loads a next-token neural model from its section (loads libtorch).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static NeuralLanguageModel Load(ModelBundle bundle, NeuralKind kind, string device = "auto", string path = "model")
    {
        if (!kind.IsLeftToRight()) throw new ArgumentException("the bidirectional model is loaded with LoadReranker");
        var dev = Devices.Resolve(device);
        Devices.SetInferenceThreads();
        var (net, _) = NeuralSection.Read(path, kind.Tag(), Section(bundle, kind, path), bundle.Vocabulary);
        return new NeuralLanguageModel(net, bundle.Vocabulary, dev, ownsNet: true);
    }

    /// <summary>Loads the bidirectional re-ranker, or null when the bundle has none.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static BiLstmReranker? LoadReranker(ModelBundle bundle, string device = "auto", string path = "model")
    {
        if (!bundle.ExtraSections.ContainsKey(NeuralKind.BiLstm.Tag())) return null;
        var dev = Devices.Resolve(device);
        Devices.SetInferenceThreads();
        var (net, _) = NeuralSection.Read(path, NeuralKind.BiLstm.Tag(), Section(bundle, NeuralKind.BiLstm, path), bundle.Vocabulary);
        return new BiLstmReranker((BiLstmNet)net, bundle.Vocabulary, dev, net.Shape.Window, ownsNet: true);
    }

    private static byte[] Section(ModelBundle bundle, NeuralKind kind, string path) =>
        bundle.ExtraSections.TryGetValue(kind.Tag(), out var s) ? s : throw new ModelFormatException(path, $"model file has no {kind.Name()} model");

    /// <summary>
    /// The mixture's components by name, in the order of the weights: "ngram" and each neural model that has a
    /// mixture weight and a section. Loads libtorch only when there is such a neural model.
    /// </summary>
    public static List<(string Name, ILanguageModel Model, double Weight)> Components(ModelBundle bundle, string device = "auto", string path = "model",
        Func<string, bool>? include = null)
    {
        var result = new List<(string, ILanguageModel, double)>();
        var w = bundle.MixtureWeights;
        if (include?.Invoke("ngram") != false) result.Add(("ngram", bundle.NGram, w.GetValueOrDefault("ngram", w.Count == 0 ? 1 : 0)));
        foreach (var k in KindsIn(bundle))
        {
            if (!k.IsLeftToRight() || !w.TryGetValue(k.Name(), out double weight) || include?.Invoke(k.Name()) == false) continue;
            result.Add((k.Name(), Load(bundle, k, device, path), weight));
        }
        return result;
    }

    /// <summary>The static model for the engine: the n-gram alone, or the n-gram and neural models interpolated
    /// with the saved weights. Without neural sections this never touches TorchSharp. With <paramref name="include"/>,
    /// only the models it names take part (the weights re-normalised over them); a network left out is not loaded.
    /// When none of the chosen ones is in the file, the n-gram serves.</summary>
    public static ILanguageModel CreateStaticModel(ModelBundle bundle, string device = "auto", string path = "model", Func<string, bool>? include = null)
    {
        if (!KindsIn(bundle).Any(k => k.IsLeftToRight() && bundle.MixtureWeights.ContainsKey(k.Name()) && include?.Invoke(k.Name()) != false)) return bundle.NGram;
        var parts = Components(bundle, device, path, include).Where(c => c.Weight > 0).ToList();
        if (parts.Count == 0) return bundle.NGram;
        // Serving: bounded work per request (a jump into a large document would otherwise run its whole prefix).
        // COMPLETION_LSP_NEURAL_MAX_RUN overrides the limit (0 = none).
        int maxRun = int.TryParse(Environment.GetEnvironmentVariable("COMPLETION_LSP_NEURAL_MAX_RUN"), out var v) && v >= 0
            ? v : NeuralLanguageModel.DefaultServingMaxRunTokens;
        foreach (var p in parts) if (p.Model is NeuralLanguageModel n) n.MaxRunTokens = maxRun;
        if (parts.Count == 1) return parts[0].Model;
        double total = parts.Sum(p => p.Weight);
        return new MixtureModel(parts.Select(p => p.Model).ToList(), parts.Select(p => p.Weight / total).ToList());
    }
}
