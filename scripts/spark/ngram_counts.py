#!/usr/bin/env python3
"""N-gram counts of a completion-lsp token table with Spark SQL, for corpora too large for one machine.

It runs the SQL engine's own statements (src/CompletionLsp.Sql/sql/*.sql), unchanged: the same vocabulary, records
and spacing pairs as `completion-lsp train --engine duckdb`, so that `import-counts` makes the same model (with the
cache's default concentrations, as --no-tune).

    completion-lsp export-tokens REPO... --out tokens.parquet
    spark-submit scripts/spark/ngram_counts.py tokens.parquet counts/ [--order 6] [--min-count 2]
    completion-lsp import-counts counts/ --out model          # counts/ copied to a local disk first

The input may be one file or a folder of token tables (of distinct file numbers), local or on any file system Spark
reads (hdfs://, s3a://, ...). The output folder gets vocabulary/, records/ and spacing/ (Parquet) and counts.json.
Written for Spark 3.4 and later (Spark SQL's default, non-ANSI and ANSI modes alike); not run in this repository's
tests, which run the same statements on DuckDB.
"""
import argparse
import json
import os
import re
import sys

from pyspark import StorageLevel
from pyspark.sql import SparkSession

PLACEHOLDER = re.compile(r"\$\{([a-z_]+)\}")
DEFAULT_SQL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "src", "CompletionLsp.Sql", "sql")


def statement(sql_dir, name, values):
    """The statement sql/<name>.sql with its placeholders replaced (tables by view names, parameters by literals)."""
    with open(os.path.join(sql_dir, name + ".sql"), encoding="utf-8") as f:
        text = f.read()

    def value(m):
        if m.group(1) not in values:
            raise SystemExit(f"{name}.sql: no value for ${{{m.group(1)}}}")
        return values[m.group(1)]

    # Replaced here, so that Spark's own ${...} variable substitution finds nothing to do.
    return PLACEHOLDER.sub(value, text)


def write_text(spark, path, text):
    """Writes a small file through Hadoop's FileSystem (local paths and remote file systems alike)."""
    jvm = spark._jvm
    p = jvm.org.apache.hadoop.fs.Path(path)
    fs = p.getFileSystem(spark._jsc.hadoopConfiguration())
    out = fs.create(p, True)
    try:
        out.write(bytearray(text.encode("utf-8")))
    finally:
        out.close()


def source_roots(tokens):
    """The repositories named in a local token table's metadata (export-tokens keeps them); [] when unknown."""
    try:
        import pyarrow.parquet as pq
        meta = pq.read_metadata(tokens).metadata or {}
        return json.loads(meta.get(b"completion-lsp.source_roots", b"[]").decode("utf-8"))
    except Exception:  # no pyarrow, a folder or a remote path: the model just does not name its sources
        return []


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("tokens", help="the token table (export-tokens' Parquet file, or a folder of them)")
    ap.add_argument("out", help="the counts folder to write (vocabulary/, records/, spacing/, counts.json)")
    ap.add_argument("--order", type=int, default=6, help="the n-gram order, 1..6 (train's --order) [6]")
    ap.add_argument("--min-count", type=int, default=2, help="train's --min-count [2]")
    ap.add_argument("--sql-dir", default=DEFAULT_SQL, help="where the statements are [src/CompletionLsp.Sql/sql]")
    ap.add_argument("--shuffle-partitions", type=int, default=0, help="spark.sql.shuffle.partitions (0: Spark's)")
    a = ap.parse_args(argv)
    if not 1 <= a.order <= 6:
        raise SystemExit("--order must be 1..6")
    if a.min_count < 1:
        raise SystemExit("--min-count must be 1 or more")

    spark = SparkSession.builder.appName("completion-lsp n-gram counts").getOrCreate()
    if a.shuffle_partitions > 0:
        spark.conf.set("spark.sql.shuffle.partitions", str(a.shuffle_partitions))
    out = a.out.rstrip("/")
    values = {
        "tokens": "tokens", "vocabulary": "vocabulary", "ids": "ids",
        "order": str(a.order), "min_count": str(a.min_count),
        "literal_min_count": "3", "max_literal_length": "24",  # TokenTable.ToVocabulary's defaults
        "counted": "1 = 1",  # every row (DuckDbCounter counts without the held-out files only to tune the cache)
    }

    spark.read.parquet(a.tokens).createOrReplaceTempView("tokens")

    # The vocabulary: row_number() over the whole (small) table runs in one partition; it is written and read back so
    # that ids.sql sees exactly the ids that are stored.
    spark.sql(statement(a.sql_dir, "vocabulary", values)).write.mode("overwrite").parquet(out + "/vocabulary")
    spark.read.parquet(out + "/vocabulary").createOrReplaceTempView("vocabulary")

    # The id of every token row, used twice (records and spacing).
    ids = spark.sql(statement(a.sql_dir, "ids", values)).persist(StorageLevel.MEMORY_AND_DISK)
    ids.createOrReplaceTempView("ids")

    # The records with their counts. import-counts sorts them (ordered_records.sql, NULLS FIRST) into the trie.
    spark.sql(statement(a.sql_dir, "ngrams", values)).write.mode("overwrite").parquet(out + "/records")
    spark.sql(statement(a.sql_dir, "spacing", values)).write.mode("overwrite").parquet(out + "/spacing")

    files, rows = spark.sql("SELECT count(DISTINCT file), count(*) FROM tokens").first()
    ids.unpersist()
    info = {
        "order": a.order, "min_count": a.min_count, "files": int(files), "tokens": int(rows) - 2 * int(files),
        "source_roots": source_roots(a.tokens),
    }
    write_text(spark, out + "/counts.json", json.dumps(info, indent=2) + "\n")
    print(f"counts of {info['tokens']:,} tokens in {info['files']:,} files written to {out}: "
          f"completion-lsp import-counts {out} --out MODEL")
    spark.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
