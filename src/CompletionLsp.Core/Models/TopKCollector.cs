namespace CompletionLsp.Core.Models;

/// <summary>Keeps the k best (highest probability) tokens offered to it, without sorting everything offered.</summary>
public sealed class TopKCollector
{
    private readonly List<ScoredToken> _items;
    private readonly int _k;
    private int _minIndex = -1;

    public TopKCollector(List<ScoredToken> target, int k)
    {
        _items = target;
        _items.Clear();
        _k = Math.Max(1, k);
    }

    /// <summary>The probability a new token must beat to enter (0 until k tokens are held).</summary>
    public double Threshold => _items.Count < _k ? 0 : _items[_minIndex].Probability;

    public void Add(int id, double p)
    {
        if (_items.Count < _k)
        {
            _items.Add(new ScoredToken(id, p));
            if (_items.Count == _k) FindMin();
            return;
        }
        var min = _items[_minIndex];
        if (p < min.Probability || (p == min.Probability && id > min.Id)) return;
        _items[_minIndex] = new ScoredToken(id, p);
        FindMin();
    }

    private void FindMin()
    {
        int m = 0;
        for (int i = 1; i < _items.Count; i++)
        {
            var a = _items[i]; var b = _items[m];
            if (a.Probability < b.Probability || (a.Probability == b.Probability && a.Id > b.Id)) m = i;
        }
        _minIndex = m;
    }

    /// <summary>Sorts the held tokens, most probable first (ties by id).</summary>
    public void Finish() => NGramModel.Finish(_items, _k);
}
