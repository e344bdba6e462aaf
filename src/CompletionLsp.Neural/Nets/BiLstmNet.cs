using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CompletionLsp.Neural.Nets;

/// <summary>
/// Bidirectional LSTM for infill: the token at position t is predicted from the forward LSTM's state after
/// t-1 (left context) and the backward LSTM's state after t+1 (right context), so it never sees the token itself.
/// Input [T, B] gives logits [T-2, B, vocab] for positions 1..T-2.
/// </summary>
internal sealed class BiLstmNet : LmNet
{
    private readonly Embedding embed;
    private readonly Dropout drop;
    private readonly LSTM lstm;
    private readonly Linear decoder;

    public BiLstmNet(NetShape s) : base("bilstm", s)
    {
        embed = nn.Embedding(s.Vocab, s.Embedding);
        drop = nn.Dropout(s.Dropout);
        lstm = nn.LSTM(s.Embedding, s.Hidden, s.Layers, dropout: s.Layers > 1 ? s.Dropout : 0, bidirectional: true);
        decoder = nn.Linear(2L * s.Hidden, s.Vocab);
        RegisterComponents();
        InitEncoderDecoder(embed, decoder);
    }

    public Tensor Forward(Tensor input)
    {
        long t = input.shape[0], h = Shape.Hidden;
        if (t < 3) throw new ArgumentException("the bidirectional model needs at least 3 tokens");
        var (o, _, _) = lstm.call(drop.call(embed.call(input)));   // [T, B, 2H]: forward half, backward half
        var left = o.narrow(0, 0, t - 2).narrow(2, 0, h);          // forward state after t-1
        var right = o.narrow(0, 2, t - 2).narrow(2, h, h);         // backward state after t+1
        return decoder.call(drop.call(cat([left, right], 2)));
    }

    /// <summary>Logits [B, vocab] for one position (1..T-2) only: the decoder, the costly part, runs once.</summary>
    public Tensor ForwardAt(Tensor input, long position)
    {
        long t = input.shape[0], h = Shape.Hidden;
        if (position < 1 || position > t - 2) throw new ArgumentOutOfRangeException(nameof(position));
        var (o, _, _) = lstm.call(drop.call(embed.call(input)));
        var left = o.select(0, position - 1).narrow(1, 0, h);
        var right = o.select(0, position + 1).narrow(1, h, h);
        return decoder.call(drop.call(cat([left, right], 1)));
    }
}
