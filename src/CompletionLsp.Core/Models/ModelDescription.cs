namespace CompletionLsp.Core.Models;

/// <summary>
/// What a trained model is, in plain values: one description for the CLI's `info` and the server's model info.
/// Neural sections are only named and sized here (the core carries them without interpreting them).
/// </summary>
public sealed record ModelDescription
{
    /// <summary>The model file (full path) and its size, when described from a file.</summary>
    public string? Path { get; init; }
    public long? FileBytes { get; init; }
    public uint FormatVersion { get; init; } = ModelFile.Version;

    public DateTimeOffset CreatedUtc { get; init; }
    public string Tool { get; init; } = "";
    public string ToolVersion { get; init; } = "";
    public double TrainSeconds { get; init; }
    public string SourceRoot { get; init; } = "";
    public int Files { get; init; }
    public bool AllFiles { get; init; }
    public int SkippedFiles { get; init; }
    public long Tokens { get; init; }

    /// <summary>Words of the trained vocabulary (no dynamic ids), and the count below which a token is unknown.</summary>
    public int Vocabulary { get; init; }
    public int MinCount { get; init; }

    public int Order { get; init; }
    public SmoothingKind Smoothing { get; init; }
    public double Delta { get; init; }
    /// <summary>The smoothing's name in the protocol: "kneser-ney" or "add-delta".</summary>
    public string SmoothingName => Smoothing == SmoothingKind.KneserNey ? "kneser-ney" : "add-delta";
    /// <summary>The smoothing in words, for people.</summary>
    public string SmoothingText => Smoothing == SmoothingKind.KneserNey ? "interpolated modified Kneser-Ney" : $"add-delta {Delta}";
    /// <summary>Stored n-grams per order (1..<see cref="Order"/>).</summary>
    public IReadOnlyList<int> NGrams { get; init; } = [];
    /// <summary>Kneser-Ney discounts D1, D2, D3+ per order; null with add-delta.</summary>
    public IReadOnlyList<double[]>? Discounts { get; init; }

    public IReadOnlyList<double> DocumentBeta { get; init; } = [];
    public IReadOnlyList<double> RecentBeta { get; init; } = [];
    public int SpacingPairs { get; init; }

    /// <summary>The models named at training (<see cref="TrainingInfo.Models"/>).</summary>
    public IReadOnlyList<string> Models { get; init; } = [];
    /// <summary>Interpolation weights by model name, in file order; empty: the n-gram alone.</summary>
    public IReadOnlyList<KeyValuePair<string, double>> MixtureWeights { get; init; } = [];
    /// <summary>The models other than the n-gram that the mixture gives weight (the neural models a static model mixes in).</summary>
    public IReadOnlyList<string> NeuralMembers { get; init; } = [];
    /// <summary>Sections the core carries without interpreting (neural weights): tag and size in bytes.</summary>
    public IReadOnlyList<(string Tag, int Bytes)> Sections { get; init; } = [];
}
