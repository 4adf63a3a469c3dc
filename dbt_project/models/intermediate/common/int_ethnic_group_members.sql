-- Which groups each ethnic category counts towards. A BME category counts twice: towards
-- BME and towards its broad group (Asian, Black, Mixed, Other). White and Unknown are their
-- own broad group, so they appear once and are never double counted.
with

categories as (

    select * from {{ ref('ethnic_categories') }}

),

ethnic_groups as (

    select
        code as ethnic_category,
        ethnic_group as group_name,
        'ethnic_group' as group_type
    from categories

),

broad_groups as (

    select
        code as ethnic_category,
        broad_group as group_name,
        'broad_group' as group_type
    from categories
    where broad_group <> ethnic_group

)

select * from ethnic_groups
union all
select * from broad_groups
