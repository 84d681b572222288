package dev.downhill.spark;

import org.apache.spark.sql.SparkSession;

/** The tests' local Spark: two executor threads, no UI, errors only, a 1 MiB driver result limit (no pass may collect rows). */
final class LocalSpark {
    private LocalSpark() {
    }

    static SparkSession start(String appName) {
        SparkSession spark = SparkSession.builder().master("local[2,2]").appName(appName)
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "4")
                .config("spark.driver.maxResultSize", "1m")
                .getOrCreate();
        spark.sparkContext().setLogLevel("ERROR");
        return spark;
    }
}
