with

source as (

    select * from {{ source('reference', 'ref_etr') }}

),

renamed as (

    select
        ---------- ids
        org_code::varchar as org_code,
        region_code::varchar as region_code,
        icb_code::varchar as icb_code,

        ---------- text
        org_name::varchar as org_name,
        postcode::varchar as postcode,

        ---------- dates
        open_date::date as open_date,
        close_date::date as close_date,

        ---------- attribution
        unattributable_reason::varchar as unattributable_reason,

        ---------- provenance
        _source_file::varchar as source_file,
        _source_row::bigint as source_row

    from source

)

select * from renamed
