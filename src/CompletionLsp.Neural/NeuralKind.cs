namespace CompletionLsp.Neural;

/// <summary>The neural model architectures, each selectable by name in <c>train --models</c>.</summary>
public enum NeuralKind
{
    /// <summary>Fixed-window feed-forward model (Bengio et al. 2003): the previous n tokens' embeddings, concatenated.</summary>
    Ffnn,
    /// <summary>Elman recurrent network (tanh).</summary>
    Rnn,
    Lstm,
    Gru,
    /// <summary>Bidirectional LSTM: predicts a token from its left and right context (infill re-ranking).</summary>
    BiLstm,
}

public static class NeuralKinds
{
    public static readonly NeuralKind[] All = [NeuralKind.Ffnn, NeuralKind.Rnn, NeuralKind.Lstm, NeuralKind.Gru, NeuralKind.BiLstm];

    /// <summary>The model's name in <c>--models</c> and in the mixture weights.</summary>
    public static string Name(this NeuralKind k) => k switch
    {
        NeuralKind.Ffnn => "ffnn", NeuralKind.Rnn => "rnn", NeuralKind.Lstm => "lstm", NeuralKind.Gru => "gru", NeuralKind.BiLstm => "bilstm",
        _ => throw new ArgumentOutOfRangeException(nameof(k)),
    };

    /// <summary>The 4-character section tag of the model file.</summary>
    public static string Tag(this NeuralKind k) => k switch
    {
        NeuralKind.Ffnn => "FFNN", NeuralKind.Rnn => "RNN_", NeuralKind.Lstm => "LSTM", NeuralKind.Gru => "GRU_", NeuralKind.BiLstm => "BILS",
        _ => throw new ArgumentOutOfRangeException(nameof(k)),
    };

    /// <summary>Next-token models (all but the bidirectional one, which needs the right-hand context).</summary>
    public static bool IsLeftToRight(this NeuralKind k) => k != NeuralKind.BiLstm;

    public static bool IsRecurrent(this NeuralKind k) => k is NeuralKind.Rnn or NeuralKind.Lstm or NeuralKind.Gru;

    public static bool TryParse(string name, out NeuralKind kind)
    {
        foreach (var k in All)
            if (string.Equals(k.Name(), name, StringComparison.OrdinalIgnoreCase)) { kind = k; return true; }
        kind = default;
        return false;
    }

    public static bool TryFromTag(string tag, out NeuralKind kind)
    {
        foreach (var k in All)
            if (k.Tag() == tag) { kind = k; return true; }
        kind = default;
        return false;
    }
}
