using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CompletionLsp.Neural.Nets;

/// <summary>
/// Recurrent language model (as PyTorch's word_language_model): embedding, dropout, 1-4 layers of RNN (tanh),
/// LSTM or GRU, dropout, linear decoder to logits over the whole vocabulary. Input is time-major [T, B].
/// The hidden state is an array: [h] for RNN and GRU, [h, c] for LSTM, each [layers, B, hidden].
/// </summary>
internal sealed class RecurrentNet : LmNet
{
    private readonly Embedding embed;
    private readonly Dropout drop;
    private readonly LSTM? lstm;
    private readonly GRU? gru;
    private readonly RNN? rnn;
    private readonly Linear decoder;

    public RecurrentNet(NetShape s) : base(s.Kind.Name(), s)
    {
        embed = nn.Embedding(s.Vocab, s.Embedding);
        drop = nn.Dropout(s.Dropout);
        double inner = s.Layers > 1 ? s.Dropout : 0;
        switch (s.Kind)
        {
            case NeuralKind.Lstm: lstm = nn.LSTM(s.Embedding, s.Hidden, s.Layers, dropout: inner); break;
            case NeuralKind.Gru: gru = nn.GRU(s.Embedding, s.Hidden, s.Layers, dropout: inner); break;
            case NeuralKind.Rnn: rnn = nn.RNN(s.Embedding, s.Hidden, s.Layers, nn.NonLinearities.Tanh, dropout: inner); break;
            default: throw new ArgumentOutOfRangeException(nameof(s));
        }
        decoder = nn.Linear(s.Hidden, s.Vocab);
        RegisterComponents();
        InitEncoderDecoder(embed, decoder);
    }

    public int StateCount => Shape.Kind == NeuralKind.Lstm ? 2 : 1;

    /// <summary>A zero state for a batch.</summary>
    public Tensor[] InitialState(long batch, Device device)
    {
        var r = new Tensor[StateCount];
        for (int i = 0; i < r.Length; i++) r[i] = zeros(Shape.Layers, batch, Shape.Hidden, device: device);
        return r;
    }

    /// <summary>Runs the recurrence: the top layer's outputs [T, B, hidden] (before dropout) and the new state.</summary>
    public (Tensor Output, Tensor[] State) Recur(Tensor input, Tensor[]? state)
    {
        var x = drop.call(embed.call(input));
        if (lstm != null)
        {
            var (o, h, c) = lstm.call(x, state == null ? null : (state[0], state[1]));
            return (o, [h, c]);
        }
        if (gru != null)
        {
            var (o, h) = gru.call(x, state?[0]);
            return (o, [h]);
        }
        var (ro, rh) = rnn!.call(x, state?[0]);
        return (ro, [rh]);
    }

    /// <summary>Logits [.., vocab] of top-layer outputs.</summary>
    public Tensor Decode(Tensor output) => decoder.call(drop.call(output));

    public (Tensor Logits, Tensor[] State) Forward(Tensor input, Tensor[]? state)
    {
        var (o, s) = Recur(input, state);
        return (Decode(o), s);
    }
}
