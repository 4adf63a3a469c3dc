-- The Wilson limits L and U of x / n are the two roots of the score equation
-- (p̂ − p)² = z²·p(1 − p)/n. Check the macro against that property (independent of the
-- closed form it uses), and against scipy for 10 / 100: 5.52% .. 17.44% to 2 decimals
-- (scipy.stats.binomtest(10, 100).proportion_ci(method='wilson'), which uses z = 1.95996).
-- Returns the cases that fail.
with

cases as (

    select * from (values (10, 100), (1, 7), (7, 7), (0, 12), (123, 4567), (3, 11))
        as t (x, n)

),

limits as (

    select
        x,
        n,
        x::double / n as p_hat,
        {{ wilson_interval('x', 'n', 'lower') }} / 100.0 as lower_p,
        {{ wilson_interval('x', 'n', 'upper') }} / 100.0 as upper_p
    from cases

),

checks as (

    select
        *,
        abs(power(p_hat - lower_p, 2) - {{ var('ci_z') }} ^ 2 * lower_p * (1 - lower_p) / n)
            as lower_residual,
        abs(power(upper_p - p_hat, 2) - {{ var('ci_z') }} ^ 2 * upper_p * (1 - upper_p) / n)
            as upper_residual
    from limits

)

select *
from checks
where lower_residual > 1e-12
    or upper_residual > 1e-12
    or not (lower_p <= p_hat and p_hat <= upper_p)
    or (x = 10 and n = 100 and (round(lower_p * 100, 2) <> 5.52 or round(upper_p * 100, 2) <> 17.44))
