SELECT 'unterminated;
-- x
