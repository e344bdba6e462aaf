namespace CompletionLsp.Neural;

/// <summary>Hyperparameters and training settings of a neural model (plain values: no TorchSharp types).</summary>
public sealed record NeuralOptions
{
    public int Embedding { get; init; } = 128;
    /// <summary>Hidden units per layer (per direction for the bidirectional model; the hidden layer of the feed-forward model).</summary>
    public int Hidden { get; init; } = 256;
    public int Layers { get; init; } = 1;
    public double Dropout { get; init; } = 0.1;
    /// <summary>How many previous tokens the feed-forward model sees.</summary>
    public int Window { get; init; } = 8;

    /// <summary>Truncated back-propagation through time: tokens per sequence chunk.</summary>
    public int Bptt { get; init; } = 64;
    public int BatchSize { get; init; } = 32;
    public double LearningRate { get; init; } = 2e-3;
    /// <summary>Gradient norm clipping.</summary>
    public double Clip { get; init; } = 1.0;
    /// <summary>The learning rate is multiplied by this whenever validation stops improving.</summary>
    public double LrDecay { get; init; } = 0.5;
    /// <summary>Stop after this many validations in a row without improvement.</summary>
    public int Patience { get; init; } = 3;
    public int Epochs { get; init; } = 10;
    /// <summary>Wall-clock seconds of training for this model; 0 = no limit (epochs and early stopping only).</summary>
    public double TimeBudgetSeconds { get; init; }
    /// <summary>Validate after this many seconds of training (and at the end of each epoch).</summary>
    public double ValidateEverySeconds { get; init; } = 45;
    /// <summary>At most this many validation tokens are used for the periodic validation loss.</summary>
    public int ValidationTokens { get; init; } = 30_000;
    public int Seed { get; init; } = 1;
    /// <summary>auto (CUDA when available, else CPU), cpu or cuda.</summary>
    public string Device { get; init; } = "auto";
    /// <summary>Intra-op CPU threads for training; 0 = all cores, or 1 when the machine is busy.</summary>
    public int Threads { get; init; }

    public void Validate()
    {
        static void In(string name, double v, double lo, double hi)
        {
            if (!(v >= lo && v <= hi)) throw new ArgumentOutOfRangeException(name, v, $"{name} must be in {lo}..{hi}");
        }
        In(nameof(Embedding), Embedding, 1, 4096);
        In(nameof(Hidden), Hidden, 1, 8192);
        In(nameof(Layers), Layers, 1, 4);
        In(nameof(Dropout), Dropout, 0, 0.9);
        In(nameof(Window), Window, 1, 64);
        In(nameof(Bptt), Bptt, 4, 4096);
        In(nameof(BatchSize), BatchSize, 1, 4096);
        In(nameof(LearningRate), LearningRate, 1e-7, 10);
        In(nameof(Clip), Clip, 0, 1e6);
        In(nameof(LrDecay), LrDecay, 0.01, 1);
        In(nameof(Patience), Patience, 1, 1000);
        In(nameof(Epochs), Epochs, 1, 10_000);
        In(nameof(TimeBudgetSeconds), TimeBudgetSeconds, 0, 1e7);
    }
}

/// <summary>A line of training progress.</summary>
public sealed record NeuralProgress(string Model, int Epoch, long Batch, long BatchesPerEpoch, double Loss, double TokensPerSecond,
    TimeSpan Elapsed, TimeSpan? Eta, string? Note = null);

/// <summary>What training a model did.</summary>
public sealed record NeuralTrainReport(string Model, long TokensSeen, int Epochs, double Seconds, double TokensPerSecond,
    double BestValidBitsPerToken, string StopReason, long Parameters, string Device)
{
    public int Threads { get; init; }
}
