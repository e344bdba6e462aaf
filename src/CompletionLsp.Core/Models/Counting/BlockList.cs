namespace CompletionLsp.Core.Models.Counting;

/// <summary>An append-only list of ints in fixed blocks: it grows without copying (a doubling List would hold two
/// copies while it grows), and <see cref="ToArrayReleasing"/> frees each block as it is copied out.</summary>
internal sealed class BlockList
{
    private const int Shift = 16, Size = 1 << Shift, Mask = Size - 1;
    private readonly List<int[]> _blocks = [];
    public int Count { get; private set; }

    public void Add(int v)
    {
        if ((Count & Mask) == 0 && Count >> Shift == _blocks.Count) _blocks.Add(new int[Size]);
        _blocks[Count >> Shift][Count & Mask] = v;
        Count++;
    }

    public int this[int i]
    {
        get => _blocks[i >> Shift][i & Mask];
        set => _blocks[i >> Shift][i & Mask] = value;
    }

    public int[] ToArrayReleasing()
    {
        var a = new int[Count];
        for (int b = 0; b < _blocks.Count; b++)
        {
            int at = b << Shift, n = Math.Min(Size, Count - at);
            Array.Copy(_blocks[b], 0, a, at, n);
            _blocks[b] = null!;
        }
        _blocks.Clear();
        Count = 0;
        return a;
    }
}
