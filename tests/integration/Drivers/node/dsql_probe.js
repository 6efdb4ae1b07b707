// AWS's own DSQL clients against Log, driven by TokenTests.cs. Credentials come from the usual AWS environment
// variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), read by the SDK's default provider chain.
//   node dsql_probe.js token HOST REGION ROLE EXPIRES       prints a token made by @aws-sdk/dsql-signer
//   node dsql_probe.js connector HOST PORT REGION ROLE      connects with @aws/aurora-dsql-node-postgres-connector,
//                                                           runs a transaction and prints what it read
"use strict";
const { DsqlSigner } = require("@aws-sdk/dsql-signer");
const { AuroraDSQLClient } = require("@aws/aurora-dsql-node-postgres-connector");

async function token(host, region, role, expires) {
  const signer = new DsqlSigner({ hostname: host, region, expiresIn: Number(expires) });
  console.log(role === "admin" ? await signer.getDbConnectAdminAuthToken() : await signer.getDbConnectAuthToken());
}

async function connector(host, port, region, role) {
  // The server's certificate is self-signed: this probe checks authentication, not the certificate.
  const client = new AuroraDSQLClient({ host, port: Number(port), region, user: role, database: "postgres",
    ssl: { rejectUnauthorized: false } });
  await client.connect();
  try {
    const table = `connector_probe_${process.pid}`;
    await client.query(`CREATE TABLE ${table} (id bigint PRIMARY KEY, note text)`);
    await client.query("BEGIN");
    await client.query(`INSERT INTO ${table} VALUES ($1, $2), ($3, $4)`, [1, "one", 2, "two"]);
    await client.query("COMMIT");
    const rows = await client.query(`SELECT id, note FROM ${table} ORDER BY id`);
    console.log(`user ${(await client.query("SELECT current_user AS u")).rows[0].u}`);
    for (const row of rows.rows) console.log(`${row.id} ${row.note}`);
    await client.query(`DROP TABLE ${table}`);
  } finally {
    await client.end();
  }
}

const [mode, ...args] = process.argv.slice(2);
(mode === "token" ? token(...args) : mode === "connector" ? connector(...args) : Promise.reject(new Error(`unknown mode ${mode}`)))
  .catch((error) => {
    console.error(`${error.code ?? ""} ${error.message}`);
    process.exit(1);
  });
