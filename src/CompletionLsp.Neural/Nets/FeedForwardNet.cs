using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CompletionLsp.Neural.Nets;

/// <summary>
/// Fixed-window feed-forward language model (Bengio et al. 2003): the embeddings of the previous
/// <c>Window</c> tokens (oldest first, &lt;s&gt; before the start) are concatenated, go through a tanh hidden
/// layer and dropout, and a linear decoder gives logits over the vocabulary. Input [N, window], output [N, vocab].
/// </summary>
internal sealed class FeedForwardNet : LmNet
{
    private readonly Embedding embed;
    private readonly Linear hidden;
    private readonly Dropout drop;
    private readonly Linear decoder;

    public FeedForwardNet(NetShape s) : base("ffnn", s)
    {
        if (s.Window < 1) throw new ArgumentOutOfRangeException(nameof(s), "window must be at least 1");
        embed = nn.Embedding(s.Vocab, s.Embedding);
        hidden = nn.Linear((long)s.Window * s.Embedding, s.Hidden);
        drop = nn.Dropout(s.Dropout);
        decoder = nn.Linear(s.Hidden, s.Vocab);
        RegisterComponents();
        InitEncoderDecoder(embed, decoder);
    }

    public int Window => Shape.Window;

    public Tensor Forward(Tensor windows)
    {
        var e = embed.call(windows);                       // [N, window, E]
        var flat = e.reshape(e.shape[0], -1);             // [N, window * E]
        var h = drop.call(tanh(hidden.call(drop.call(flat))));
        return decoder.call(h);
    }
}
