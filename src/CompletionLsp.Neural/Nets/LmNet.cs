using TorchSharp;
using static TorchSharp.torch;

namespace CompletionLsp.Neural.Nets;

/// <summary>Base of the networks: the shape, construction by kind, and the shared initialization.</summary>
internal abstract class LmNet : nn.Module
{
    protected LmNet(string name, NetShape shape) : base(Prepare(name)) { Shape = shape; }

    /// <summary>Every network is built through here: libtorch is made loadable before the first native call.</summary>
    private static string Prepare(string name)
    {
        Native.TorchNative.EnsureLoaded();
        return name;
    }

    public NetShape Shape { get; }

    public static LmNet Create(NetShape shape) => shape.Kind switch
    {
        NeuralKind.Ffnn => new FeedForwardNet(shape),
        NeuralKind.Rnn or NeuralKind.Lstm or NeuralKind.Gru => new RecurrentNet(shape),
        NeuralKind.BiLstm => new BiLstmNet(shape),
        _ => throw new ArgumentOutOfRangeException(nameof(shape)),
    };

    public long ParameterCount() => parameters().Sum(p => p.numel());

    /// <summary>As in PyTorch's word_language_model: embeddings and decoder uniform(-0.1, 0.1), decoder bias 0.</summary>
    protected static void InitEncoderDecoder(TorchSharp.Modules.Embedding embed, TorchSharp.Modules.Linear decoder)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        nn.init.uniform_(embed.weight!, -0.1, 0.1);
        nn.init.uniform_(decoder.weight!, -0.1, 0.1);
        nn.init.zeros_(decoder.bias!);
    }
}
