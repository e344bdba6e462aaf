namespace CompletionLsp.Neural.Nets;

/// <summary>The hyperparameters that fix a network's parameter shapes (saved with its weights).</summary>
/// <remarks>Window: the feed-forward model's context; for the bidirectional model, its training chunk length (its inference window).</remarks>
internal sealed record NetShape(NeuralKind Kind, int Vocab, int Embedding, int Hidden, int Layers, double Dropout, int Window)
{
    public static NetShape From(NeuralKind kind, int vocab, NeuralOptions o) =>
        new(kind, vocab, o.Embedding, o.Hidden, o.Layers, o.Dropout,
            kind == NeuralKind.Ffnn ? o.Window : kind == NeuralKind.BiLstm ? o.Bptt : 0);
}
