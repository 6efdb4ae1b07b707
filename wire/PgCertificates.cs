using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace Log.Wire;

/// <summary>The self-signed certificate used when TLS is on and none is configured (as PostgreSQL's snakeoil certificate on Debian).</summary>
internal static class PgCertificates
{
    private static readonly TimeSpan Validity = TimeSpan.FromDays(3650);

    public static X509Certificate2 LoadOrCreateSelfSigned(string? path, string hostName, ILogger logger)
    {
        if (path is not null && File.Exists(path))
        {
            X509Certificate2 loaded = X509CertificateLoader.LoadPkcs12FromFile(path, password: null);
            if (loaded.HasPrivateKey && loaded.NotAfter > DateTime.UtcNow)
            {
                return loaded;
            }
            logger.LogWarning("The certificate in {Path} has expired or has no private key; generating a new one", path);
            loaded.Dispose();
        }
        X509Certificate2 created = CreateSelfSigned(hostName);
        if (path is not null)
        {
            string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
            if (directory is not null)
            {
                Directory.CreateDirectory(directory);
            }
            File.WriteAllBytes(path, created.Export(X509ContentType.Pkcs12));
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
            logger.LogInformation("Generated a self-signed TLS certificate for {HostName} in {Path}", hostName, path);
        }
        return created;
    }

    /// <summary>ECDSA P-256 (fast to generate), for the host name, localhost and the loopback addresses.</summary>
    public static X509Certificate2 CreateSelfSigned(string hostName)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={hostName}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(hostName);
        if (hostName != "localhost")
        {
            names.AddDnsName("localhost");
        }
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        DateTimeOffset now = DateTimeOffset.UtcNow;
        using X509Certificate2 certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.Add(Validity));
        // Round-trip through PKCS#12 so that the private key is usable by SslStream on every platform.
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), password: null);
    }
}
