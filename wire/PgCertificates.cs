using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace Log.Wire;

/// <summary>
/// The certificate TLS presents: one configured (an object, or PEM files), else a server certificate signed by a local
/// certificate authority that is generated once and kept in a folder, so that clients can verify the server
/// (sslmode=verify-full with the authority's <see cref="AuthorityCertificateFileName"/>), else a self-signed one (as
/// PostgreSQL's snakeoil certificate on Debian).
/// </summary>
public static class PgCertificates
{
    /// <summary>The local authority's certificate: the file clients give as sslrootcert.</summary>
    public const string AuthorityCertificateFileName = "ca.crt";
    public const string AuthorityKeyFileName = "ca.key";
    public const string ServerCertificateFileName = "server.crt";
    public const string ServerKeyFileName = "server.key";

    private static readonly TimeSpan SelfSignedValidity = TimeSpan.FromDays(3650);
    private static readonly TimeSpan AuthorityValidity = TimeSpan.FromDays(3650);
    /// <summary>Short enough for clients that refuse long-lived server certificates (825 days on Apple's systems).</summary>
    private static readonly TimeSpan ServerValidity = TimeSpan.FromDays(800);
    /// <summary>A generated certificate this close to its end is replaced at the next start or reload.</summary>
    private static readonly TimeSpan RenewBefore = TimeSpan.FromDays(30);
    /// <summary>Backdating absorbs clock differences between this machine and its clients.</summary>
    private static readonly TimeSpan Backdate = TimeSpan.FromMinutes(5);
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>What TLS presents under these options, read (or generated) now. Throws when configured files cannot be
    /// read: the caller decides whether that stops a start or only a reload.</summary>
    internal static SslStreamCertificateContext Load(PgServerOptions options, ILogger logger)
    {
        if (options.ServerCertificate is not null)
        {
            return SslStreamCertificateContext.Create(options.ServerCertificate, additionalCertificates: null, offline: true);
        }
        if (options.TlsCertificateFile is not null)
        {
            return LoadPem(options.TlsCertificateFile, options.TlsKeyFile!);
        }
        if (options.TlsFolder is not null)
        {
            EnsureLocalAuthority(options.TlsFolder, ServerNames(options), logger);
            return LoadPem(Path.Combine(options.TlsFolder, ServerCertificateFileName), Path.Combine(options.TlsFolder, ServerKeyFileName));
        }
        X509Certificate2 selfSigned = LoadOrCreateSelfSigned(options.SelfSignedCertificatePath, options.SelfSignedCertificateHostName, logger);
        return SslStreamCertificateContext.Create(selfSigned, additionalCertificates: null, offline: true);
    }

    /// <summary>A PEM certificate file (the server's certificate first, then any intermediates) and its PEM key.</summary>
    public static SslStreamCertificateContext LoadPem(string certificateFile, string keyFile)
    {
        var chain = new X509Certificate2Collection();
        chain.ImportFromPemFile(certificateFile);
        if (chain.Count == 0)
        {
            throw new InvalidDataException($"{certificateFile} holds no PEM certificate");
        }
        using X509Certificate2 withKey = X509Certificate2.CreateFromPemFile(certificateFile, keyFile);
        X509Certificate2 leaf = UsableBySslStream(withKey);
        var intermediates = new X509Certificate2Collection();
        for (int index = 1; index < chain.Count; index++)
        {
            intermediates.Add(chain[index]);
        }
        return SslStreamCertificateContext.Create(leaf, intermediates, offline: true);
    }

    /// <summary>The names a generated server certificate covers: the host name, localhost, the loopback addresses, the
    /// listen address (every address of this machine when it listens on all of them), and the configured names.</summary>
    private static List<string> ServerNames(PgServerOptions options)
    {
        var names = new List<string> { Dns.GetHostName(), "localhost", IPAddress.Loopback.ToString(), IPAddress.IPv6Loopback.ToString() };
        if (!options.ListenAddress.Equals(IPAddress.Any) && !options.ListenAddress.Equals(IPAddress.IPv6Any))
        {
            names.Add(options.ListenAddress.ToString());
        }
        else
        {
            names.AddRange(System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces()
                .SelectMany(network => network.GetIPProperties().UnicastAddresses)
                .Select(unicast => unicast.Address)
                .Where(address => !IPAddress.IsLoopback(address) && !address.IsIPv6LinkLocal
                    && (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork || options.ListenAddress.Equals(IPAddress.IPv6Any)))
                .Select(address => address.ToString()));
        }
        names.AddRange(options.TlsHostNames.Where(name => !string.IsNullOrWhiteSpace(name)).Select(name => name.Trim()));
        return names.Distinct(StringComparer.OrdinalIgnoreCase).ToList();
    }

    /// <summary>
    /// Makes sure <paramref name="folder"/> holds a local authority and a server certificate it signed that is valid for
    /// a while yet and covers <paramref name="names"/>; generates what is missing. The authority is kept as long as it is
    /// valid, so a client that trusts it keeps trusting the server across restarts and renewals.
    /// </summary>
    public static void EnsureLocalAuthority(string folder, IReadOnlyList<string> names, ILogger logger)
    {
        Directory.CreateDirectory(folder);
        string authorityCertificatePath = Path.Combine(folder, AuthorityCertificateFileName);
        string authorityKeyPath = Path.Combine(folder, AuthorityKeyFileName);
        string serverCertificatePath = Path.Combine(folder, ServerCertificateFileName);
        string serverKeyPath = Path.Combine(folder, ServerKeyFileName);

        X509Certificate2? authority = null;
        if (File.Exists(authorityCertificatePath) && File.Exists(authorityKeyPath))
        {
            authority = X509Certificate2.CreateFromPemFile(authorityCertificatePath, authorityKeyPath);
            if (authority.NotAfter.ToUniversalTime() - DateTime.UtcNow < RenewBefore)
            {
                logger.LogWarning("The local certificate authority in {Path} expires on {NotAfter}: generating a new one; clients must get the new {File}",
                    authorityCertificatePath, authority.NotAfter, AuthorityCertificateFileName);
                authority.Dispose();
                authority = null;
            }
        }
        bool newAuthority = authority is null;
        authority ??= CreateAuthority(authorityCertificatePath, authorityKeyPath);
        using (authority)
        {
            if (newAuthority)
            {
                logger.LogInformation("Generated a local certificate authority; clients verify the server with sslmode=verify-full sslrootcert={Path}", authorityCertificatePath);
            }
            if (!newAuthority && File.Exists(serverCertificatePath) && File.Exists(serverKeyPath)
                && IsCurrent(serverCertificatePath, authority, names))
            {
                return;
            }
            CreateServerCertificate(authority, names, serverCertificatePath, serverKeyPath);
            logger.LogInformation("Generated the TLS server certificate {Path} for {Names}", serverCertificatePath, string.Join(", ", names));
        }
    }

    /// <summary>True when the server certificate was signed by this authority, is not near its end, and covers every name.</summary>
    private static bool IsCurrent(string serverCertificatePath, X509Certificate2 authority, IReadOnlyList<string> names)
    {
        using X509Certificate2 server = X509CertificateLoader.LoadCertificateFromFile(serverCertificatePath);
        if (server.NotAfter.ToUniversalTime() - DateTime.UtcNow < RenewBefore || server.IssuerName.Name != authority.SubjectName.Name)
        {
            return false;
        }
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (!chain.Build(server))
        {
            return false;
        }
        var alternativeNames = server.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault();
        if (alternativeNames is null)
        {
            return false;
        }
        var dnsNames = alternativeNames.EnumerateDnsNames().ToHashSet(StringComparer.OrdinalIgnoreCase);
        var addresses = alternativeNames.EnumerateIPAddresses().ToHashSet();
        return names.All(name => IPAddress.TryParse(name, out IPAddress? address) ? addresses.Contains(address) : dnsNames.Contains(name));
    }

    private static X509Certificate2 CreateAuthority(string certificatePath, string keyPath)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN=Log local CA {Dns.GetHostName()} {DateTime.UtcNow:yyyy-MM-dd'T'HH:mm:ss}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        DateTimeOffset now = DateTimeOffset.UtcNow;
        X509Certificate2 authority = request.CreateSelfSigned(now - Backdate, now + AuthorityValidity);
        WritePem(keyPath, key.ExportPkcs8PrivateKeyPem(), OwnerOnly);
        WritePem(certificatePath, authority.ExportCertificatePem(), OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        return authority;
    }

    private static void CreateServerCertificate(X509Certificate2 authority, IReadOnlyList<string> names, string certificatePath, string keyPath)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={names[0]}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(AlternativeNames(names));
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(authority, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        DateTimeOffset now = DateTimeOffset.UtcNow;
        DateTimeOffset notAfter = now + ServerValidity < authority.NotAfter ? now + ServerValidity : authority.NotAfter;
        byte[] serialNumber = RandomNumberGenerator.GetBytes(16);
        serialNumber[0] &= 0x7F; // a positive serial number
        using X509Certificate2 server = request.Create(authority, now - Backdate, notAfter, serialNumber);
        // The key first: a reload that reads the new certificate with the old key would fail.
        WritePem(keyPath, key.ExportPkcs8PrivateKeyPem(), OwnerOnly);
        WritePem(certificatePath, server.ExportCertificatePem(), OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
    }

    private static X509Extension AlternativeNames(IEnumerable<string> names)
    {
        var builder = new SubjectAlternativeNameBuilder();
        foreach (string name in names)
        {
            if (IPAddress.TryParse(name, out IPAddress? address))
            {
                builder.AddIpAddress(address);
            }
            else
            {
                builder.AddDnsName(name);
            }
        }
        return builder.Build();
    }

    /// <summary>Writes through a temporary file and a rename, so that a reader never sees half a file; a key file is
    /// created readable by its owner only.</summary>
    private static void WritePem(string path, string pem, UnixFileMode mode)
    {
        string temporary = path + ".tmp";
        var fileOptions = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            fileOptions.UnixCreateMode = mode;
        }
        using (var writer = new StreamWriter(temporary, System.Text.Encoding.ASCII, fileOptions))
        {
            writer.Write(pem);
            writer.Write('\n');
        }
        File.Move(temporary, path, overwrite: true);
    }

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
                File.SetUnixFileMode(path, OwnerOnly);
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
        var names = new List<string> { hostName };
        if (hostName != "localhost")
        {
            names.Add("localhost");
        }
        names.Add(IPAddress.Loopback.ToString());
        names.Add(IPAddress.IPv6Loopback.ToString());
        request.CertificateExtensions.Add(AlternativeNames(names));
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        DateTimeOffset now = DateTimeOffset.UtcNow;
        using X509Certificate2 certificate = request.CreateSelfSigned(now - Backdate, now + SelfSignedValidity);
        return UsableBySslStream(certificate);
    }

    /// <summary>Round-trips through PKCS#12 so that the private key is usable by SslStream on every platform.</summary>
    private static X509Certificate2 UsableBySslStream(X509Certificate2 certificate) =>
        X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), password: null);
}
