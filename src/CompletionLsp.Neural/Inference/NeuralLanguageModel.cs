using System.Buffers;
using CompletionLsp.Core.Models;
using CompletionLsp.Neural.Nets;
using TorchSharp;
using static TorchSharp.torch;

namespace CompletionLsp.Neural.Inference;

/// <summary>
/// A neural next-token model as an <see cref="ILanguageModel"/>, with incremental inference.
/// <para>
/// Requests arrive with the whole context (a document's prefix). A pool of sessions remembers, per recent context,
/// the tokens already run, the recurrent state after them, the next-token distribution, the state at every
/// <see cref="CheckpointInterval"/>-th token, and the states where its last few requests began (so that branches,
/// such as beam-search hypotheses, cost one token each). A request takes the session sharing the longest prefix with its context:
/// when the context extends it only the new tokens run; when it diverges (an edit, another hypothesis), the session
/// rewinds to the last checkpoint before the divergence and runs from there; repeating a context (Probability then TopK) runs nothing.
/// The feed-forward model's sessions remember the last window. Each computation runs in one dispose scope and keeps
/// its results in managed arrays, so no tensor outlives a request. Thread-safe: concurrent requests use different
/// sessions.
/// </para>
/// Ids at or above the trained vocabulary (words added while editing) are read as &lt;unk&gt; and get probability 0
/// (wrap in <see cref="OpenVocabularyModel"/> to share &lt;unk&gt;'s mass among them).
/// </summary>
public sealed class NeuralLanguageModel : ILanguageModel, IDisposable
{
    public const int CheckpointInterval = 64;
    private readonly LmNet _net;
    private readonly bool _ownsNet;
    private readonly Device _device;
    private readonly int _v;
    private readonly Session[] _pool;
    private readonly object _poolLock = new();
    private long _clock;
    private readonly Tensor _bosMask;
    private bool _disposed;

    internal NeuralLanguageModel(LmNet net, Vocabulary vocab, Device device, bool ownsNet)
    {
        if (net is BiLstmNet) throw new ArgumentException("the bidirectional model is not a next-token model");
        _net = net;
        _ownsNet = ownsNet;
        _device = device;
        _net.to(device);
        _net.eval();
        Vocabulary = vocab;
        _v = net.Shape.Vocab;
        if (_v != vocab.StaticCount) throw new ArgumentException("network and vocabulary differ in size");
        _pool = new Session[Math.Max(8, 2 * Environment.ProcessorCount)];
        for (int i = 0; i < _pool.Length; i++) _pool[i] = new Session();
        _bosMask = Scoring.BosMask(_v, device).DetachFromDisposeScope();
    }

    public NeuralKind Kind => _net.Shape.Kind;
    public string Name => Kind.Name();
    public Vocabulary Vocabulary { get; }
    public int ContextSize => _net is FeedForwardNet f ? f.Window : int.MaxValue;
    public string Device => _device.ToString();

    /// <summary>
    /// At most this many tokens run for one request (0 = no limit). Typing extends a session by a token or two, but
    /// the first request in a document, a jump elsewhere, or an edit far before the caret would run the whole prefix
    /// (tens of milliseconds per thousand tokens). Beyond the limit, the request is answered from the last
    /// <see cref="MaxRunTokens"/> to <see cref="MaxRunTokens"/> + 63 tokens after a fresh &lt;s&gt;; that session then
    /// extends as the user types, like any other. Evaluation extends token by token and never meets the limit.
    /// </summary>
    public int MaxRunTokens { get; set; }

    /// <summary>The limit the server and `complete` use (a jump then runs 128-191 tokens: a few milliseconds).</summary>
    public const int DefaultServingMaxRunTokens = 128;

    /// <summary>Requests answered from a window because the whole context would have cost too much.</summary>
    public long WindowedRequests => Interlocked.Read(ref _windowed);
    private long _windowed;

    /// <summary>Counters for tests and benchmarks: tokens run through the network, and requests served from a cached distribution.</summary>
    public long TokensRun => Interlocked.Read(ref _tokensRun);
    public long CacheHits => Interlocked.Read(ref _cacheHits);
    private long _tokensRun, _cacheHits;

    public double Probability(ReadOnlySpan<int> context, int token)
    {
        if (token == Vocabulary.Bos || (uint)token >= (uint)_v) return 0;
        double p = 0;
        WithDistribution(context, probs => p = probs[token]);
        return p;
    }

    public void TopK(ReadOnlySpan<int> context, int k, Predicate<int>? accept, List<ScoredToken> result)
    {
        result.Clear();
        if (k <= 0) return;
        WithDistribution(context, probs => SelectTop(probs, k, accept, result));
    }

    /// <summary>The whole next-token distribution (a copy; &lt;s&gt; has 0).</summary>
    public float[] Distribution(ReadOnlySpan<int> context)
    {
        float[] r = [];
        WithDistribution(context, probs => r = (float[])probs.Clone());
        return r;
    }

    /// <summary>Forgets every cached state (the next request recomputes from scratch).</summary>
    public void ClearCache()
    {
        _last = null;
        lock (_poolLock) foreach (var s in _pool) if (!s.Busy) s.Reset();
    }

    internal static void SelectTop(float[] probs, int k, Predicate<int>? accept, List<ScoredToken> result)
    {
        // Keep the k best in result, sorted descending (k is small).
        float floor = float.NegativeInfinity;
        for (int id = 0; id < probs.Length; id++)
        {
            float p = probs[id];
            if (id == Vocabulary.Bos || (result.Count == k && p <= floor)) continue;
            if (accept != null && !accept(id)) continue;
            int pos = result.Count;
            while (pos > 0 && (result[pos - 1].Probability < p)) pos--;
            if (pos >= k) continue;
            result.Insert(pos, new ScoredToken(id, p));
            if (result.Count > k) result.RemoveAt(k);
            if (result.Count == k) floor = (float)result[k - 1].Probability;
        }
    }

    private void WithDistribution(ReadOnlySpan<int> context, Action<float[]> use)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        // Contexts normally start with <s>; an empty one means "at the start".
        ReadOnlySpan<int> bosOnly = [Vocabulary.Bos];
        if (context.IsEmpty) context = bosOnly;
        int[]? rented = null;
        try
        {
            // Words added while editing are <unk> to the network.
            foreach (var t in context)
                if ((uint)t >= (uint)_v)
                {
                    rented = ArrayPool<int>.Shared.Rent(context.Length);
                    for (int i = 0; i < context.Length; i++) rented[i] = (uint)context[i] < (uint)_v ? context[i] : Vocabulary.Unk;
                    context = rented.AsSpan(0, context.Length);
                    break;
                }
            // The same context as the last request (a mixture asks each candidate's probability in turn): its answer.
            var last = _last;
            if (last != null && last.Context.AsSpan().SequenceEqual(context))
            {
                Interlocked.Increment(ref _cacheHits);
                use(last.Probs);
                return;
            }
            float[] probs;
            if (_net is FeedForwardNet ff)
            {
                var fs = Acquire(context, 0);
                try { probs = AdvanceWindow(fs, ff, context); }
                finally { Release(fs); }
            }
            else
            {
                var (rs, window) = AcquireRecurrent(context);
                try { probs = Advance(rs, (RecurrentNet)_net, window ?? context); }
                finally { Release(rs); }
            }
            _last = new LastAnswer(context.ToArray(), probs); // sessions replace their arrays, never change them
            use(probs);
        }
        finally { if (rented != null) ArrayPool<int>.Shared.Return(rented); }
    }

    private sealed record LastAnswer(int[] Context, float[] Probs);
    private volatile LastAnswer? _last;

    // ---- sessions ----

    private sealed class Session
    {
        public int[] Ids = new int[256];
        public int Count;                 // tokens whose effect is in State
        public float[]? State;            // flattened recurrent state after Count tokens (null = zero state)
        public float[]? Probs;            // next-token distribution after Count tokens
        public readonly List<(int Pos, float[] State)> Checkpoints = new();
        public bool Busy;
        public long LastUse;
        public int Offset;                // 0, or where in the document a windowed session's tokens start (after its <s>)

        public void Reset() { Count = 0; State = null; Probs = null; Checkpoints.Clear(); Offset = 0; }
    }

    /// <summary>How many of the context's tokens a session can reuse: the recurrent state after its longest shared
    /// prefix (all of it when the context extends the session, else the last checkpoint); for the feed-forward model,
    /// the window when it is the same.</summary>
    private int Usable(Session s, ReadOnlySpan<int> context)
    {
        if (s.Count == 0) return 0;
        if (_net is FeedForwardNet ff)
        {
            // The same window: the session's answer is the answer (counted as its whole history, a pure extension).
            int w = ff.Window;
            Span<int> window = stackalloc int[w];
            for (int j = 0; j < w; j++) window[j] = context.Length - w + j < 0 ? Vocabulary.Bos : context[context.Length - w + j];
            return s.Probs != null && s.Count == w && s.Ids.AsSpan(0, w).SequenceEqual(window) ? w : 0;
        }
        int shared = s.Ids.AsSpan(0, s.Count).CommonPrefixLength(context);
        if (shared == s.Count) return shared;
        int k = Floor(s, Math.Min(shared, context.Length - 1));
        return k < 0 ? 0 : s.Checkpoints[k].Pos;
    }

    /// <summary>Index of the last checkpoint at or before <paramref name="pos"/>, or -1.</summary>
    private static int Floor(Session s, int pos)
    {
        int lo = 0, hi = s.Checkpoints.Count - 1, r = -1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >> 1;
            if (s.Checkpoints[mid].Pos <= pos) { r = mid; lo = mid + 1; } else hi = mid - 1;
        }
        return r;
    }

    /// <summary>Soft checkpoints (the state where a request's new tokens began) kept per session: branches such as
    /// beam-search hypotheses sharing a prefix then cost one token each.</summary>
    private const int MaxSoftCheckpoints = 16;

    private Session Acquire(ReadOnlySpan<int> context, int offset)
    {
        lock (_poolLock)
        {
            // The session that saves the most work. Taking a session loses its history, so a session is only
            // rewound for a real saving (at least a checkpoint interval); otherwise the least recently used is taken.
            Session? best = null, lru = null;
            int bestUsable = -1;
            bool bestExtends = false;
            foreach (var s in _pool)
            {
                if (s.Busy) continue;
                if (lru == null || s.LastUse < lru.LastUse) lru = s;
                int u = Usable(s, context);
                if (u > bestUsable) { best = s; bestUsable = u; bestExtends = u == s.Count && u > 0; }
            }
            var chosen = best != null && (bestExtends || bestUsable >= CheckpointInterval) ? best : lru;
            chosen ??= new Session(); // every pooled session is busy: a transient one
            chosen.Busy = true;
            chosen.LastUse = ++_clock;
            chosen.Offset = offset;
            return chosen;
        }
    }

    /// <summary>A session for a recurrent request, and the context to run instead of the request's own (null: its own) when that would
    /// run more than <see cref="MaxRunTokens"/> tokens: &lt;s&gt; followed by its last tokens from a window start,
    /// reusing a windowed session already there when one is.</summary>
    private (Session Session, int[]? Window) AcquireRecurrent(ReadOnlySpan<int> context)
    {
        if (MaxRunTokens <= 0 || context.Length - BestUsable(context) <= MaxRunTokens) return (Acquire(context, 0), null);
        // Window starts to try: those of windowed sessions (they may extend), and a new one MaxRunTokens back,
        // aligned to the checkpoint interval so that consecutive requests agree on it.
        var starts = new List<int>();
        lock (_poolLock)
            foreach (var p in _pool)
                if (!p.Busy && p.Offset > 0 && p.Offset < context.Length && !starts.Contains(p.Offset)) starts.Add(p.Offset);
        int fresh = Math.Max(1, (context.Length - MaxRunTokens) / CheckpointInterval * CheckpointInterval);
        if (!starts.Contains(fresh)) starts.Add(fresh);
        int bestStart = fresh, bestCost = int.MaxValue;
        foreach (var start in starts)
        {
            var v = Windowed(context, start);
            int cost = v.Length - BestUsable(v);
            if (cost < bestCost || (cost == bestCost && start < bestStart)) { bestCost = cost; bestStart = start; }
        }
        if (bestCost > MaxRunTokens + CheckpointInterval) bestStart = fresh;
        var run = Windowed(context, bestStart);
        Interlocked.Increment(ref _windowed);
        return (Acquire(run, bestStart), run);
    }

    /// <summary>The most tokens of <paramref name="context"/> that an idle session could reuse.</summary>
    private int BestUsable(ReadOnlySpan<int> context)
    {
        lock (_poolLock)
        {
            int best = 0;
            foreach (var p in _pool) if (!p.Busy) best = Math.Max(best, Usable(p, context));
            return best;
        }
    }

    private static int[] Windowed(ReadOnlySpan<int> context, int start)
    {
        var v = new int[context.Length - start + 1];
        v[0] = Vocabulary.Bos;
        context[start..].CopyTo(v.AsSpan(1));
        return v;
    }

    private void Release(Session s)
    {
        lock (_poolLock) s.Busy = false;
    }

    private float[] Advance(Session s, RecurrentNet net, ReadOnlySpan<int> context)
    {
        int shared = s.Ids.AsSpan(0, s.Count).CommonPrefixLength(context);
        if (shared == s.Count && s.Count == context.Length && s.Probs != null)
        {
            Interlocked.Increment(ref _cacheHits);
            return s.Probs;
        }
        if (shared < s.Count || s.Probs == null && s.Count == context.Length)
        {
            // Rewind to the last checkpoint that is a prefix of the context, keeping at least one token to run
            // (the distribution comes from the last token's output).
            int keep = Floor(s, Math.Min(shared, context.Length - 1));
            if (keep < 0) { s.Count = 0; s.State = null; s.Checkpoints.Clear(); }
            else
            {
                s.Count = s.Checkpoints[keep].Pos;
                s.State = s.Checkpoints[keep].State;
                s.Checkpoints.RemoveRange(keep + 1, s.Checkpoints.Count - keep - 1);
            }
            s.Probs = null;
        }
        else if (s.Count % CheckpointInterval != 0 && s.State != null && (s.Checkpoints.Count == 0 || s.Checkpoints[^1].Pos != s.Count))
        {
            // Extending: remember where this request's tokens begin.
            s.Checkpoints.Add((s.Count, s.State));
            int soft = 0;
            for (int i = s.Checkpoints.Count - 1; i >= 0; i--)
                if (s.Checkpoints[i].Pos % CheckpointInterval != 0 && ++soft > MaxSoftCheckpoints) { s.Checkpoints.RemoveAt(i); break; }
        }
        // Now Ids[..Count] is a prefix of the context: run the rest, checkpointing at multiples of the interval.
        if (s.Ids.Length < context.Length) Array.Resize(ref s.Ids, Math.Max(context.Length, s.Ids.Length * 2));
        context[s.Count..].CopyTo(s.Ids.AsSpan(s.Count));
        int layers = net.Shape.Layers, hidden = net.Shape.Hidden, parts = net.StateCount;
        int stateSize = layers * hidden;
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            Tensor[]? st = null;
            if (s.State != null)
            {
                st = new Tensor[parts];
                for (int p = 0; p < parts; p++)
                    st[p] = torch.tensor(s.State.AsSpan(p * stateSize, stateSize).ToArray(), [layers, 1, hidden], device: _device);
            }
            Tensor? last = null;
            int pos = s.Count;
            while (pos < context.Length)
            {
                int end = Math.Min(context.Length, (pos / CheckpointInterval + 1) * CheckpointInterval);
                var ids = new long[end - pos];
                for (int i = 0; i < ids.Length; i++) ids[i] = context[pos + i];
                var x = torch.tensor(ids, [ids.Length, 1], device: _device);
                var (o, ns) = net.Recur(x, st);
                st = ns;
                last = o.select(0, o.shape[0] - 1);
                Interlocked.Add(ref _tokensRun, ids.Length);
                pos = end;
                if (pos % CheckpointInterval == 0) s.Checkpoints.Add((pos, Flatten(st)));
            }
            s.State = Flatten(st!);
            s.Count = context.Length;
            var probs = MaskedSoftmax(net.Decode(last!)).cpu();
            s.Probs = probs.data<float>().ToArray();
        }
        return s.Probs;
    }

    private Tensor MaskedSoftmax(Tensor logits) => logits.add(_bosMask).softmax(-1).reshape(-1);

    private static float[] Flatten(Tensor[] state)
    {
        var parts = state.Select(t => t.cpu().contiguous().data<float>().ToArray()).ToArray();
        var r = new float[parts.Sum(p => p.Length)];
        int o = 0;
        foreach (var p in parts) { p.CopyTo(r, o); o += p.Length; }
        return r;
    }

    private float[] AdvanceWindow(Session s, FeedForwardNet net, ReadOnlySpan<int> context)
    {
        int w = net.Window;
        Span<int> window = stackalloc int[w];
        for (int j = 0; j < w; j++)
        {
            int at = context.Length - w + j;
            window[j] = at < 0 ? Vocabulary.Bos : context[at];
        }
        if (s.Probs != null && s.Count == w && s.Ids.AsSpan(0, w).SequenceEqual(window))
        {
            Interlocked.Increment(ref _cacheHits);
            return s.Probs;
        }
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            var ids = new long[w];
            for (int j = 0; j < w; j++) ids[j] = window[j];
            var x = torch.tensor(ids, [1, w], device: _device);
            s.Probs = MaskedSoftmax(net.Forward(x)).cpu().data<float>().ToArray();
            Interlocked.Add(ref _tokensRun, 1);
        }
        window.CopyTo(s.Ids);
        s.Count = w;
        return s.Probs;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _bosMask.Dispose();
        if (_ownsNet) _net.Dispose();
    }
}
