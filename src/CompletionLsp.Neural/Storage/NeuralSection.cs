using System.Text;
using CompletionLsp.Core.Models;
using CompletionLsp.Neural.Nets;
using TorchSharp;
using static TorchSharp.torch;

namespace CompletionLsp.Neural.Storage;

/// <summary>
/// The payload of a neural model's section in the model file, in our own layout (written and read with Core's
/// bounds-checked <see cref="PayloadWriter"/>/<see cref="PayloadReader"/>; nothing is deserialized into arbitrary types):
/// <code>
/// i32 magic "CLNN" | i32 format | i32 kind | i32 vocab size | i64 vocabulary fingerprint
/// i32 embedding | i32 hidden | i32 layers | i32 window | f64 dropout
/// i64 tokens seen | i32 epochs | f64 seconds | f64 best validation bits/token
/// i32 tensor count, then per tensor: string name | i32[] shape | f32[] values
/// </code>
/// Reading checks every hyperparameter's range, that the vocabulary is the bundle's, that the tensors are exactly the
/// network's parameters with the network's shapes, and that every value is finite.
/// </summary>
internal static class NeuralSection
{
    private const int Magic = 0x4E4E4C43; // "CLNN" little-endian
    private const int Format = 1;
    private const long MaxParameters = 400_000_000;

    public sealed record Stats(long TokensSeen, int Epochs, double Seconds, double BestValidBits);

    public static byte[] Write(LmNet net, Vocabulary vocab, Stats stats)
    {
        var s = net.Shape;
        var w = new PayloadWriter();
        w.Int(Magic); w.Int(Format); w.Int((int)s.Kind); w.Int(s.Vocab); w.Long(Fingerprint(vocab, s.Vocab));
        w.Int(s.Embedding); w.Int(s.Hidden); w.Int(s.Layers); w.Int(s.Window); w.Double(s.Dropout);
        w.Long(stats.TokensSeen); w.Int(stats.Epochs); w.Double(stats.Seconds); w.Double(stats.BestValidBits);
        var ps = net.named_parameters().ToList();
        w.Int(ps.Count);
        using var scope = NewDisposeScope();
        foreach (var (name, p) in ps)
        {
            w.String(name);
            w.Ints(p.shape.Select(d => checked((int)d)).ToArray());
            w.Floats(p.detach().cpu().contiguous().data<float>().ToArray());
        }
        return w.ToArray();
    }

    /// <summary>Reads the header only (no TorchSharp): the shape and training statistics.</summary>
    public static (NetShape Shape, Stats Stats) ReadHeader(string path, string tag, byte[] data, Vocabulary vocab)
    {
        var r = new PayloadReader(path, tag, data);
        return ReadHeader(r, tag, vocab);
    }

    private static (NetShape, Stats) ReadHeader(PayloadReader r, string tag, Vocabulary vocab)
    {
        if (r.Int() != Magic) throw r.Error("not a neural model section");
        int format = r.Int();
        if (format != Format) throw r.Error($"neural section format {format} is not supported (this build reads {Format}); retrain");
        int kind = r.Int();
        if (kind < 0 || kind >= NeuralKinds.All.Length) throw r.Error("unknown neural model kind");
        var k = (NeuralKind)kind;
        if (k.Tag() != tag) throw r.Error($"section holds a {k.Name()} model");
        int v = r.Int();
        if (v != vocab.StaticCount) throw r.Error($"vocabulary size {v} differs from the model's ({vocab.StaticCount})");
        if (r.Long() != Fingerprint(vocab, v)) throw r.Error("trained on another vocabulary");
        int emb = r.Int(), hid = r.Int(), layers = r.Int(), window = r.Int();
        double dropout = r.Double();
        if (emb is < 1 or > 4096 || hid is < 1 or > 8192 || layers is < 1 or > 4 || window is < 0 or > 4096 || !(dropout >= 0 && dropout < 1))
            throw r.Error("hyperparameters out of range");
        if ((k is NeuralKind.Ffnn or NeuralKind.BiLstm) != (window > 0) || (k == NeuralKind.Ffnn && window > 64)) throw r.Error("bad window");
        var stats = new Stats(r.Long(), r.Int(), r.Double(), r.Double());
        return (new NetShape(k, v, emb, hid, layers, dropout, window), stats);
    }

    public static (LmNet Net, Stats Stats) Read(string path, string tag, byte[] data, Vocabulary vocab)
    {
        var r = new PayloadReader(path, tag, data);
        var (shape, stats) = ReadHeader(r, tag, vocab);
        // Bound the size before allocating anything: the largest tensors are vocab x (embedding | 2 hidden).
        long approx = (long)shape.Vocab * (shape.Embedding + 2L * shape.Hidden) + 8L * shape.Layers * shape.Hidden * (shape.Hidden + shape.Embedding);
        if (approx > MaxParameters) throw r.Error("model too large");
        int n = r.Int();
        if (n < 1 || n > 256) throw r.Error("bad tensor count");
        var tensors = new Dictionary<string, (int[] Shape, float[] Values)>(StringComparer.Ordinal);
        for (int i = 0; i < n; i++)
        {
            var name = r.String();
            var dims = r.Ints(8);
            var values = r.Floats();
            long count = 1;
            foreach (var d in dims) { if (d < 1) throw r.Error($"bad shape of {name}"); count *= d; }
            if (count != values.Length) throw r.Error($"tensor {name} has {values.Length} values for shape [{string.Join(",", dims)}]");
            foreach (var f in values) if (!float.IsFinite(f)) throw r.Error($"tensor {name} has a non-finite value");
            if (!tensors.TryAdd(name, (dims, values))) throw r.Error($"tensor {name} appears twice");
        }
        r.End();
        var net = LmNet.Create(shape);
        try
        {
            var ps = net.named_parameters().ToList();
            if (ps.Count != tensors.Count) throw r.Error($"{tensors.Count} tensors for a network of {ps.Count}");
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            foreach (var (name, p) in ps)
            {
                if (!tensors.TryGetValue(name, out var t)) throw r.Error($"tensor {name} is missing");
                if (!p.shape.SequenceEqual(t.Shape.Select(d => (long)d))) throw r.Error($"tensor {name} has shape [{string.Join(",", t.Shape)}], the network wants [{string.Join(",", p.shape)}]");
                p.copy_(torch.tensor(t.Values, p.shape));
            }
        }
        catch { net.Dispose(); throw; }
        return (net, stats);
    }

    /// <summary>FNV-1a 64 of the first <paramref name="count"/> words of the vocabulary.</summary>
    public static long Fingerprint(Vocabulary vocab, int count)
    {
        ulong h = 14695981039346656037UL;
        for (int i = 0; i < Math.Min(count, vocab.Count); i++)
        {
            foreach (var b in Encoding.UTF8.GetBytes(vocab[i])) { h ^= b; h *= 1099511628211UL; }
            h ^= 0xFF; h *= 1099511628211UL;
        }
        return (long)h;
    }
}
