"""Partner ingestion: the inbox of deliveries, their processing, receipts."""
