-- Only customers are listed by their test clock (engine.Index.Clock): the
-- other objects of a clock keep it in their document alone, so that their
-- rows add no entry to objects_clock.
UPDATE objects SET clock_id = '' WHERE clock_id <> '' AND type <> 'customer';
