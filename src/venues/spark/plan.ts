/** Spark's Pool (SparkLend, an Aave V3 fork) on Ethereum: source Spark's docs (Deployments) and Etherscan; docs/venues/spark.md. */
export const SPARK_POOLS: Record<string, string> = {
  ethereum: '0xc13e21b648a5ee794902342038ff3adab66be987',
};
