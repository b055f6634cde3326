-- 011: subscriptions, deliveries and delivery_items move to the operational store (opstore/).
-- Nothing is dropped before it is carried over: the tables move into the schema `legacy_ops`,
-- from which the upgrade (pipeline/stores.py) copies every row, ids and history kept, into the
-- operational store, then drops the schema.

CREATE SCHEMA IF NOT EXISTS legacy_ops;
CREATE TABLE legacy_ops.subscriptions AS SELECT * FROM main.subscriptions;
CREATE TABLE legacy_ops.deliveries AS SELECT * FROM main.deliveries;
CREATE TABLE legacy_ops.delivery_items AS SELECT * FROM main.delivery_items;
DROP TABLE main.delivery_items;
DROP TABLE main.deliveries;
DROP TABLE main.subscriptions;
DROP SEQUENCE IF EXISTS subscription_ids;
