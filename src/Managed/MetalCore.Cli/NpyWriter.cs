using System.Text;

namespace MetalCore.Cli;

/// <summary>Writes float32 arrays in NumPy's .npy format (version 1.0), readable by numpy.load.</summary>
internal static class NpyWriter
{
    public static void WriteFloat32(string path, ReadOnlySpan<float> values, params int[] shape)
    {
        var shapeText = shape.Length == 1 ? $"({shape[0]},)" : $"({string.Join(", ", shape)})";
        var header = $"{{'descr': '<f4', 'fortran_order': False, 'shape': {shapeText}, }}";
        // Magic (6) + version (2) + length (2) + header + '\n' is padded to a multiple of 64.
        var padded = header.PadRight((10 + header.Length + 1 + 63) / 64 * 64 - 10 - 1) + "\n";
        using var stream = File.Create(path);
        stream.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
        stream.Write(BitConverter.GetBytes((ushort)padded.Length));
        stream.Write(Encoding.ASCII.GetBytes(padded));
        stream.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values));
    }
}
