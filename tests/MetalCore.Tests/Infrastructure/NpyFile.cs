using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;

namespace MetalCore.Tests.Infrastructure;

/// <summary>
/// Reads the two-dimensional little-endian float32 arrays that <c>metalcore logits</c> writes in
/// NumPy's .npy format (version 1.0), as numpy.save lays them out; anything else fails the test
/// with what the file holds.
/// </summary>
public static partial class NpyFile
{
    /// <summary>The values (row-major) and the two dimensions of the array in <paramref name="path"/>.</summary>
    public static (float[] Values, int Rows, int Columns) ReadFloat32Matrix(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.That(bytes.AsSpan(0, 6).ToArray(), Is.EqualTo(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y' }),
            $"{path}: not a .npy file");
        Assert.That(bytes[6], Is.EqualTo(1), $"{path}: .npy version {bytes[6]}.{bytes[7]}, expected 1.0");
        var headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8));
        var header = Encoding.ASCII.GetString(bytes, 10, headerLength);
        var match = HeaderPattern().Match(header);
        Assert.That(match.Success, Is.True, $"{path}: header '{header.Trim()}' is not a C-order <f4 array of two dimensions");
        var (rows, columns) = (int.Parse(match.Groups[1].Value), int.Parse(match.Groups[2].Value));
        var data = bytes.AsSpan(10 + headerLength);
        Assert.That(data.Length, Is.EqualTo(rows * columns * sizeof(float)), $"{path}: data length for shape ({rows}, {columns})");
        var values = new float[rows * columns];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(data[(i * sizeof(float))..]);
        }
        return (values, rows, columns);
    }

    [GeneratedRegex(@"'descr':\s*'<f4',\s*'fortran_order':\s*False,\s*'shape':\s*\((\d+),\s*(\d+)\)")]
    private static partial Regex HeaderPattern();
}
