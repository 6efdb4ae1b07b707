using System.Numerics;
using Log.Wire.Types;

namespace Log.QueryNode.Sql.Executor;

/// <summary>
/// An exact running sum of numeric values (PostgreSQL's NumericSumAccum): the finite values added as integers at the
/// largest scale seen so far, in a long while they fit and a BigInteger beyond, and counts of NaN and the infinities
/// (any NaN, or both infinities, make the sum NaN). Adding with sign -1 removes a value (moving window frames).
/// </summary>
internal sealed class NumericAccumulator
{
    private long _small;
    private BigInteger _large;
    private bool _isLarge;
    private int _scale;
    private long _nanCount;
    private long _positiveInfinityCount;
    private long _negativeInfinityCount;

    public void Reset()
    {
        _small = 0;
        _large = BigInteger.Zero;
        _isLarge = false;
        _scale = 0;
        _nanCount = 0;
        _positiveInfinityCount = 0;
        _negativeInfinityCount = 0;
    }

    public void Add(PgNumeric value, int sign)
    {
        switch (value.Kind)
        {
            case PgNumericKind.NaN: _nanCount += sign; return;
            case PgNumericKind.PositiveInfinity: _positiveInfinityCount += sign; return;
            case PgNumericKind.NegativeInfinity: _negativeInfinityCount += sign; return;
        }
        if (value.Scale > _scale) Rescale(value.Scale);
        BigInteger unscaled = value.Scale == _scale ? value.Unscaled : value.Unscaled * PgNumeric.PowerOfTen(_scale - value.Scale);
        if (!_isLarge && unscaled >= long.MinValue && unscaled <= long.MaxValue)
        {
            long addend = (long)unscaled;
            if (sign < 0)
            {
                if (addend == long.MinValue)
                {
                    Promote();
                }
                else
                {
                    addend = -addend;
                }
            }
            if (!_isLarge)
            {
                long sum = unchecked(_small + addend);
                // Overflow happened when both operands have the sign the sum lacks.
                if (((_small ^ sum) & (addend ^ sum)) >= 0)
                {
                    _small = sum;
                    return;
                }
                Promote();
            }
        }
        Promote();
        _large += sign > 0 ? unscaled : -unscaled;
    }

    public void Add(long value, int sign) => Add(PgNumeric.FromInt64(value), sign);

    private void Promote()
    {
        if (_isLarge) return;
        _large = _small;
        _isLarge = true;
    }

    private void Rescale(int scale)
    {
        BigInteger factor = PgNumeric.PowerOfTen(scale - _scale);
        if (!_isLarge)
        {
            BigInteger widened = _small * factor;
            if (widened >= long.MinValue && widened <= long.MaxValue)
            {
                _small = (long)widened;
            }
            else
            {
                _large = widened;
                _isLarge = true;
            }
        }
        else
        {
            _large *= factor;
        }
        _scale = scale;
    }

    /// <summary>The sum shown with <paramref name="scale"/> digits (the largest scale among the values summed).</summary>
    public PgNumeric Total(int scale)
    {
        if (_nanCount > 0 || (_positiveInfinityCount > 0 && _negativeInfinityCount > 0)) return PgNumeric.NaN;
        if (_positiveInfinityCount > 0) return PgNumeric.PositiveInfinity;
        if (_negativeInfinityCount > 0) return PgNumeric.NegativeInfinity;
        var total = new PgNumeric(_isLarge ? _large : _small, _scale);
        return scale == _scale ? total : total.Round(scale);
    }

    /// <summary>Whether a NaN or an infinity was summed (variance and standard deviation are then NaN).</summary>
    public bool HasSpecialValues => _nanCount > 0 || _positiveInfinityCount > 0 || _negativeInfinityCount > 0;
}
