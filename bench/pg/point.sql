\set id random(:lo, :hi)
SELECT * FROM orders WHERE order_id = :id;
